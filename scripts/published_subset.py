#!/usr/bin/env python3
"""Lofty's published OpenAPI document, cut to what openhouse serves, for schemathesis.

    scripts/published_subset.py SERVED.json PUBLISHED.json > subset.json

Keeps the published operations the served document also has (same method and path, path
parameter names ignored) and drops what the published document gets wrong (DEFECTS below, each
with its reason), so that a run against the rest expects no server error and no 2xx answer off the published
document. Error answers are not checked against it: it declares every error body a string.
"""
import copy
import json
import re
import sys

# (method, path, where, reason). `where` is "type:<name>" (the parameter's declared schema cannot
# be satisfied; it is declared as the values it lists), "response" (the operation's answers are
# not checked against the published schema: its 2xx schema is dropped), or "operation" (left
# out).
ROUTING_TYPE = "the routing `type` path parameter is declared integer with the string values " \
    "\"1\", \"2\", \"4\": nothing satisfies it; taken as the integers 1, 2, 4"
DEFECTS = [
    ("GET", "/v1.0/routing/rule/list/{type}", "response",
     "memberWeights is declared one object; a rule's members and weights are a list"),
] + [
    (method, path, "type:type", ROUTING_TYPE)
    for method, path in [
        ("GET", "/v1.0/routing/member/list/{type}"),
        ("GET", "/v1.0/routing/rule/list/{type}"),
        ("GET", "/v1.0/routing/rule/supplement/{type}"),
        ("PUT", "/v1.0/routing/rule/supplement/{type}"),
        ("PUT", "/v1.0/routing/rule/{type}"),
    ]
]

def key(path):
    return re.sub(r"\{[^}]*\}", "{}", path)

def main(served_path, published_path):
    served = json.load(open(served_path))
    published = json.load(open(published_path))
    ours = {(m, key(p)) for p, item in served["paths"].items() for m in item}
    out = copy.deepcopy(published)
    out["servers"] = []
    out["paths"] = {}
    for path, item in published["paths"].items():
        kept = {}
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                kept[method] = op
                continue
            if (method, key(path)) not in ours:
                continue
            op = copy.deepcopy(op)
            # the published document declares its error bodies `type: string`; openhouse's are
            # {"code", "message"} in every mode: only 2xx answers are checked against it
            for status, resp in op.get("responses", {}).items():
                if not status.startswith("2"):
                    resp.pop("content", None)
            skip = False
            for m, p, where, _reason in DEFECTS:
                if m.lower() != method or p != path:
                    continue
                if where == "operation":
                    skip = True
                elif where == "response":
                    for status, resp in op.get("responses", {}).items():
                        if status.startswith("2"):
                            resp.pop("content", None)
                elif where.startswith("type:"):
                    name = where.split(":", 1)[1]
                    for x in op.get("parameters", []):
                        if x.get("name") == name:
                            values = [int(v) for v in x["schema"]["enum"]]
                            x["schema"] = {"type": "integer", "format": "int32", "enum": values}
            if not skip:
                kept[method] = op
        if any(m in kept for m in ("get", "post", "put", "delete", "patch")):
            out["paths"][path] = kept
    json.dump(out, sys.stdout, indent=1)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
