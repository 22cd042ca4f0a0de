#!/usr/bin/env python3
"""Where two OpenAPI documents disagree on the shape of an operation's JSON response.

    scripts/wire_shapes.py OURS.json PUBLISHED.json [--prefix /v1.0/] [--fields]

For every operation both documents have (same method and path, path parameter names ignored)
and each 2xx JSON response, the two response schemas are walked side by side ($refs resolved,
allOf merged). A *shape difference* is a place where both declare a value and they disagree on
its kind: object / array / string / number / boolean, a string that one declares
`format: date-time` (or `date`) and the other does not, or a string the published document
limits to an enum that ours does not (or whose enum has values the published one lacks), or a
property ours shows that the published document declares `writeOnly`. Properties only one document declares
are not shape differences; `--fields` lists them too, as information.

Prints one line per difference and exits 1 if there is any (0 when the list is empty). The
published document's own defects (PUBLISHED_DEFECTS below) are printed to stderr, not counted.
A `date-time` string where the published document declares a plain string is no difference.
"""
import json
import re
import sys

# Where the published document itself is wrong, with the reason openhouse does not follow it.
# These are reported apart and do not count as differences.
PUBLISHED_DEFECTS = {
    ("GET", "/v1.0/routing/rule/list/{type}", "[].routingStrategy.memberWeights"):
        "a rule's members and their weights are a list (the contract's memberWeights is an "
        "array); the published document declares a single object, here and in the request",
}

def load(path):
    with open(path) as f:
        return json.load(f)

def resolver(doc):
    def resolve(s, seen=()):
        while isinstance(s, dict) and "$ref" in s:
            ref = s["$ref"]
            if ref in seen:
                return {}
            seen = seen + (ref,)
            node = doc
            for part in ref.lstrip("#/").split("/"):
                node = node[part]
            s = node
        if isinstance(s, dict) and "allOf" in s:
            merged = {"type": "object", "properties": {}}
            for sub in s["allOf"]:
                sub = resolve(sub, seen)
                merged["properties"].update(sub.get("properties", {}))
                for k in ("type", "items", "format"):
                    if k in sub:
                        merged[k] = sub[k]
            return merged
        if isinstance(s, dict) and ("oneOf" in s or "anyOf" in s):
            alts = [resolve(x, seen) for x in s.get("oneOf", s.get("anyOf"))]
            alts = [a for a in alts if a.get("type") != "null"]
            if len(alts) == 1:
                return alts[0]
            return {}
        return s if isinstance(s, dict) else {}
    return resolve

def kind(s):
    t = s.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"]
        t = t[0] if len(t) == 1 else None
    if t is None:
        if "properties" in s or "additionalProperties" in s:
            t = "object"
        elif "items" in s:
            t = "array"
    if t == "integer":
        t = "number"
    if t == "string" and s.get("format") in ("date-time", "date"):
        t = "string(" + s["format"] + ")"
    return t

def compare(a, b, ra, rb, where, out, fields, depth=0):
    a, b = ra(a), rb(b)
    ka, kb = kind(a), kind(b)
    if ka is None or kb is None or depth > 12:
        return
    if ka != kb and not (kb == "string" and ka.startswith("string(")):
        out.append(f"{where or '(body)'}: ours {ka}, published {kb}")
        return
    if ka == "string" and "enum" in b:
        extra = sorted(set(map(str, a.get("enum", []))) - set(map(str, b["enum"])))
        if "enum" not in a:
            out.append(f"{where or '(body)'}: ours any string, published one of {b['enum']}")
        elif extra:
            out.append(f"{where or '(body)'}: ours may be {extra}, published one of {b['enum']}")
        return
    if ka == "object":
        pa, pb = a.get("properties", {}), b.get("properties", {})
        if pa and pb and not set(pa) & set(pb):
            out.append(f"{where or '(body)'}: ours an object with {sorted(pa)[:4]}..., published one with {sorted(pb)[:4]}...")
            return
        for name in pa:
            if name in pb and rb(pb[name]).get("writeOnly"):
                out.append(f"{where + '.' if where else ''}{name}: ours shows it, published write-only")
            elif name in pb:
                compare(pa[name], pb[name], ra, rb, f"{where}.{name}" if where else name, out, fields, depth + 1)
        if fields:
            for name in pb:
                if name not in pa and pa:
                    fields.append(f"{where}.{name}" if where else name)
    elif ka == "array":
        compare(a.get("items", {}), b.get("items", {}), ra, rb, f"{where}[]", out, fields, depth + 1)

def key(path):
    return re.sub(r"\{[^}]*\}", "{}", path)

def json_schema(response, resolve):
    response = resolve(response)
    content = response.get("content", {})
    for mime, body in content.items():
        if "json" in mime or mime == "*/*":
            return body.get("schema")
    return None

def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    show_fields = "--fields" in argv
    prefix = "/v1.0/"
    if "--prefix" in argv:
        prefix = argv[argv.index("--prefix") + 1]
        args.remove(prefix)
    ours, published = load(args[0]), load(args[1])
    ra, rb = resolver(ours), resolver(published)
    pub_ops = {}
    for path, item in published["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                pub_ops[(method, key(path))] = op
    differences = 0
    for path, item in sorted(ours["paths"].items()):
        if not path.startswith(prefix):
            continue
        for method, op in item.items():
            other = pub_ops.get((method, key(path)))
            if other is None:
                continue
            for status, resp in op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                theirs = other.get("responses", {}).get(status)
                if theirs is None:
                    continue
                sa, sb = json_schema(resp, ra), json_schema(theirs, rb)
                if sa is None or sb is None:
                    continue
                out, fields = [], [] if show_fields else None
                compare(sa, sb, ra, rb, "", out, fields)
                for line in out:
                    place = line.split(":")[0]
                    defect = PUBLISHED_DEFECTS.get((method.upper(), path, place))
                    if defect:
                        print(f"{method.upper()} {path} {status} {line} (published defect: {defect})", file=sys.stderr)
                        continue
                    differences += 1
                    print(f"{method.upper()} {path} {status} {line}")
                for f in fields or []:
                    print(f"{method.upper()} {path} {status} (only published) {f}")
    print(f"{differences} shape difference(s)", file=sys.stderr)
    return 1 if differences else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
