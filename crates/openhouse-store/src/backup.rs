//! `openhouse backup` and `openhouse restore` for SQLite: a consistent copy of a database that a
//! server is serving, and putting such a copy in place of a stopped server's database.
//!
//! The copy is made with SQLite's online backup API (`sqlite3_backup_*`, through rusqlite) in
//! one step: the whole copy is read in one read transaction, so it is the database as of one
//! commit, and in WAL mode (which the server always uses) a reader blocks no writer. Copying in
//! several steps would let other writers in between, and the backup API restarts a copy whose
//! source another connection changed: under steady writes it might never finish. `VACUUM INTO`
//! would also give a consistent copy, but rebuilds every table and index on the way (more CPU
//! and time for the same snapshot). See docs/DESIGN.md.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use rusqlite::{Connection, OpenFlags};

/// What `--database-url` names, for these commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (backed up with pg_dump, not here).
    Postgres,
}

/// The database a URL names, without opening or creating anything.
pub fn target(url: &str) -> anyhow::Result<Target> {
    let url = crate::normalize_url(url).map_err(|e| anyhow!(e.message))?;
    if url.starts_with("postgres") {
        return Ok(Target::Postgres);
    }
    let opts = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(&url)
        .map_err(|e| anyhow!("bad SQLite URL: {e}"))?;
    let path = opts.get_filename().to_path_buf();
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || url.contains("mode=memory") {
        bail!("an in-memory database has nothing to back up or restore");
    }
    Ok(Target::Sqlite(path))
}

/// What a backup or restore did.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Copied {
    pub file: String,
    pub bytes: u64,
    pub pages: i64,
    pub millis: u64,
}

/// `PRAGMA integrity_check` on a database file, opened read-only: Ok when SQLite finds it sound
/// and it holds an openhouse schema.
pub fn check(path: &Path) -> anyhow::Result<()> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    let verdict: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .with_context(|| format!("{} is not a SQLite database", path.display()))?;
    if verdict != ["ok"] {
        bail!(
            "{} fails SQLite's integrity check: {}",
            path.display(),
            verdict.join("; ")
        );
    }
    let leads: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'leads'",
            [],
            |r| r.get(0),
        )
        .with_context(|| format!("cannot read {}", path.display()))?;
    if leads == 0 {
        bail!("{} is not an openhouse database", path.display());
    }
    Ok(())
}

/// A file beside `path` to write before renaming it into place.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

/// Syncs a file and the directory its name is in, so a rename into it survives a power loss.
fn sync(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", path.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Copies the SQLite database at `source` to `to`, consistently, while a server may be writing
/// to it: one backup step, in one read transaction (WAL: writers go on meanwhile). The copy is
/// written beside `to`, checked (`integrity_check`), synced, then renamed to `to`, so `to` is
/// never a half-written copy. `to` must not exist unless `overwrite`.
pub fn backup(source: &Path, to: &Path, overwrite: bool) -> anyhow::Result<Copied> {
    let started = Instant::now();
    if !source.exists() {
        bail!("there is no database at {}", source.display());
    }
    if to.exists() && !overwrite {
        bail!("{} exists already (--force replaces it)", to.display());
    }
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", source.display()))?;
    src.busy_timeout(Duration::from_secs(10))?;
    let tmp = partial(to);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> anyhow::Result<i64> {
        let mut dst =
            Connection::open(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let pages = {
            let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
            loop {
                // -1: every page in this one step, so in one read transaction of the source
                match b.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    // the source is locked for a moment (a checkpoint, a schema change): wait
                    rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    rusqlite::backup::StepResult::More => {}
                    _ => {}
                }
            }
            b.progress().pagecount as i64
        };
        // the copy is a database of its own: fold its log into the file, so the file alone is
        // the backup
        dst.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .ok();
        dst.close().map_err(|(_, e)| e)?;
        check(&tmp)?;
        sync(&tmp)?;
        Ok(pages)
    })();
    let pages = match result {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            for ext in ["-wal", "-shm"] {
                let mut p = tmp.clone().into_os_string();
                p.push(ext);
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
    };
    std::fs::rename(&tmp, to)
        .with_context(|| format!("cannot move the copy to {}", to.display()))?;
    sync(to)?;
    Ok(Copied {
        file: to.display().to_string(),
        bytes: std::fs::metadata(to).map(|m| m.len()).unwrap_or(0),
        pages,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Puts the backup `from` in place of the database at `target`: the backup is checked first
/// (`integrity_check`, an openhouse schema); a database already at `target` is replaced only
/// with `overwrite`, and never while a server serves it (its lock, see
/// [`crate::Store::claim_serving`], is taken for the swap). The old database's `-wal` and `-shm`
/// files go with it: a log left behind would be replayed into the restored file.
pub fn restore(from: &Path, target: &Path, overwrite: bool) -> anyhow::Result<Copied> {
    let started = Instant::now();
    if !from.exists() {
        bail!("there is no backup at {}", from.display());
    }
    check(from)?;
    let side = |ext: &str| {
        let mut p = target.to_path_buf().into_os_string();
        p.push(ext);
        PathBuf::from(p)
    };
    // held until the new file is in place: no server starts on the old one meanwhile
    let mut _lock = None;
    if target.exists() {
        if !overwrite {
            bail!(
                "{} exists already: stop its server and give --force to replace it",
                target.display()
            );
        }
        let f = std::fs::File::open(target)
            .with_context(|| format!("cannot open {}", target.display()))?;
        match f.try_lock() {
            Ok(()) => _lock = Some(f),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "an openhouse server is serving {}: stop it first",
                target.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                bail!("cannot lock {}: {e}", target.display())
            }
        }
    } else if side("-wal").exists() {
        bail!(
            "{} has a log ({}) but no database: move it away first",
            target.display(),
            side("-wal").display()
        );
    }
    let tmp = partial(target);
    std::fs::copy(from, &tmp)
        .with_context(|| format!("cannot copy {} to {}", from.display(), tmp.display()))?;
    sync(&tmp)?;
    for ext in ["-wal", "-shm"] {
        match std::fs::remove_file(side(ext)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                bail!("cannot remove {}: {e}", side(ext).display());
            }
        }
    }
    std::fs::rename(&tmp, target)
        .with_context(|| format!("cannot move the copy to {}", target.display()))?;
    sync(target)?;
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    Ok(Copied {
        file: target.display().to_string(),
        bytes,
        pages: 0,
        millis: started.elapsed().as_millis() as u64,
    })
}
