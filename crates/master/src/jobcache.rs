//! The embedded job cache: SQLite in WAL mode under the master's cachedir.
//!
//! One writer thread owns the write connection and commits whatever has
//! queued up in one transaction, so 10,000 returns cost a handful of commits
//! rather than 10,000. A write is acknowledged only after its commit
//! (invariant: a minion's return is acked only once it is durable here).
//! Reads open their own connection; WAL lets them run beside the writer.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use halite_proto::{Jid, JobReturn};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::state::PackedGrains;

#[derive(Debug, thiserror::Error)]
pub enum JobCacheError {
    #[error("job cache {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("job cache {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the job cache writer has stopped")]
    WriterGone,
}

/// A published job's metadata, as `jobs.list_jobs` shows it.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub jid: Jid,
    pub fun: String,
    pub arg: Vec<Value>,
    pub tgt: String,
    pub tgt_type: String,
    pub user: String,
    pub minions: Vec<String>,
}

enum Write {
    Job(JobRecord),
    Return(JobReturn),
    Grains { id: String, grains: String },
    Prune { keep_hours: f64 },
}

struct Op {
    write: Write,
    done: Option<oneshot::Sender<()>>,
}

/// Handle to the job cache; cheap to clone.
#[derive(Clone)]
pub struct JobCache {
    path: PathBuf,
    tx: std_mpsc::SyncSender<Op>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    jid TEXT PRIMARY KEY, fun TEXT NOT NULL, arg TEXT NOT NULL, tgt TEXT NOT NULL,
    tgt_type TEXT NOT NULL, user TEXT NOT NULL, minions TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS returns (
    jid TEXT NOT NULL, id TEXT NOT NULL, fun TEXT NOT NULL, ret TEXT NOT NULL,
    retcode INTEGER NOT NULL, success INTEGER NOT NULL, out TEXT, fun_args TEXT NOT NULL,
    created REAL NOT NULL, PRIMARY KEY (jid, id));
CREATE INDEX IF NOT EXISTS returns_created ON returns (created);
CREATE TABLE IF NOT EXISTS minion_data (id TEXT PRIMARY KEY, grains TEXT NOT NULL, updated REAL NOT NULL);
";

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

impl JobCache {
    /// Opens (creating) `<cachedir>/jobs.sqlite` and starts the writer thread.
    pub fn open(cachedir: &Path) -> Result<JobCache, JobCacheError> {
        let path = cachedir.join("jobs.sqlite");
        let err = |source| JobCacheError::Sqlite {
            path: path.clone(),
            source,
        };
        let io_err = |source| JobCacheError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(cachedir).map_err(io_err)?;
        let conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        let (tx, rx) = std_mpsc::sync_channel::<Op>(4096);
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("jobcache-writer".into())
            .spawn(move || writer_loop(conn, rx, &thread_path))
            .map_err(io_err)?;
        Ok(JobCache { path, tx })
    }

    async fn write(&self, write: Write) -> Result<(), JobCacheError> {
        let (done, wait) = oneshot::channel();
        let tx = self.tx.clone();
        let op = Op {
            write,
            done: Some(done),
        };
        // The queue is bounded: when the disk cannot keep up, writers wait
        // here (back-pressure) instead of growing memory.
        match tx.try_send(op) {
            Ok(()) => {}
            Err(std_mpsc::TrySendError::Full(op)) => {
                tokio::task::spawn_blocking(move || {
                    tx.send(op).map_err(|_| JobCacheError::WriterGone)
                })
                .await
                .map_err(|_| JobCacheError::WriterGone)??;
            }
            Err(std_mpsc::TrySendError::Disconnected(_)) => return Err(JobCacheError::WriterGone),
        }
        wait.await.map_err(|_| JobCacheError::WriterGone)
    }

    pub async fn store_job(&self, job: JobRecord) -> Result<(), JobCacheError> {
        self.write(Write::Job(job)).await
    }

    /// Stores a return; resolves once it is committed.
    pub async fn store_return(&self, ret: JobReturn) -> Result<(), JobCacheError> {
        self.write(Write::Return(ret)).await
    }

    /// Remembers a minion's grains so targets resolve across restarts.
    pub async fn store_grains(&self, id: &str, grains: &Value) -> Result<(), JobCacheError> {
        self.write(Write::Grains {
            id: id.to_owned(),
            grains: grains.to_string(),
        })
        .await
    }

    /// Deletes jobs and returns older than `keep_hours`.
    pub async fn prune(&self, keep_hours: f64) -> Result<(), JobCacheError> {
        self.write(Write::Prune { keep_hours }).await
    }

    fn reader(&self) -> Result<Connection, JobCacheError> {
        let conn =
            Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|source| JobCacheError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
        let _ = conn.busy_timeout(Duration::from_secs(5));
        Ok(conn)
    }

    fn sql_err(&self) -> impl Fn(rusqlite::Error) -> JobCacheError + '_ {
        |source| JobCacheError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// All remembered grains, packed (blocking; call from a blocking
    /// context). Each is parsed and packed in turn, so 10,000 minions never
    /// sit in memory as parsed values at once.
    pub(crate) fn load_grains(&self) -> Result<Vec<(String, PackedGrains)>, JobCacheError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT id, grains FROM minion_data")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.sql_err())?;
        Ok(rows
            .flatten()
            .map(|(id, g)| {
                (
                    id,
                    PackedGrains::pack(&serde_json::from_str(&g).unwrap_or(Value::Null)),
                )
            })
            .collect())
    }

    /// Salt's `jobs.list_jobs` map, oldest first.
    pub fn list_jobs(&self) -> Result<Map<String, Value>, JobCacheError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT jid, fun, arg, tgt, tgt_type, user FROM jobs ORDER BY jid")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(self.sql_err())?;
        let mut out = Map::new();
        for (jid, fun, arg, tgt, tgt_type, user) in rows.flatten() {
            let start = Jid::parse(&jid).map(|j| j.start_time()).unwrap_or_default();
            let mut entry = Map::new();
            entry.insert(
                "Arguments".into(),
                serde_json::from_str(&arg).unwrap_or(Value::Array(vec![])),
            );
            entry.insert("Function".into(), Value::String(fun));
            entry.insert("StartTime".into(), Value::String(start));
            entry.insert("Target".into(), Value::String(tgt));
            entry.insert("Target-type".into(), Value::String(tgt_type));
            entry.insert("User".into(), Value::String(user));
            out.insert(jid, Value::Object(entry));
        }
        Ok(out)
    }

    /// The job's metadata, if it is known.
    pub fn job(&self, jid: &Jid) -> Result<Option<JobRecord>, JobCacheError> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT fun, arg, tgt, tgt_type, user, minions FROM jobs WHERE jid = ?1",
            params![jid.as_str()],
            |r| {
                Ok(JobRecord {
                    jid: jid.clone(),
                    fun: r.get(0)?,
                    arg: serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    tgt: r.get(2)?,
                    tgt_type: r.get(3)?,
                    user: r.get(4)?,
                    minions: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                })
            },
        )
        .optional()
        .map_err(self.sql_err())
    }

    /// Every stored return of `jid`, in arrival order.
    pub fn returns(&self, jid: &Jid) -> Result<Vec<JobReturn>, JobCacheError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT id, fun, ret, retcode, success, out, fun_args FROM returns WHERE jid = ?1 ORDER BY created, id")
            .map_err(self.sql_err())?;
        let rows = stmt
            .query_map(params![jid.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i32>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(self.sql_err())?;
        Ok(rows
            .flatten()
            .filter_map(|(id, fun, ret, retcode, success, out, fun_args)| {
                Some(JobReturn {
                    jid: jid.clone(),
                    id: halite_proto::MinionId::new(id).ok()?,
                    fun,
                    fun_args: serde_json::from_str(&fun_args).unwrap_or_default(),
                    ret: serde_json::from_str(&ret).unwrap_or(Value::Null),
                    retcode,
                    success,
                    out,
                })
            })
            .collect())
    }
}

fn writer_loop(mut conn: Connection, rx: std_mpsc::Receiver<Op>, path: &Path) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        if let Err(err) = apply_batch(&mut conn, &batch) {
            // Without a commit there is no ack: the minion keeps the return
            // in its outbox and sends it again.
            tracing::error!(path = %path.display(), error = %err, "job cache write failed");
            continue;
        }
        for op in batch {
            if let Some(done) = op.done {
                let _ = done.send(());
            }
        }
    }
}

/// Applies one batch in one transaction. Statements come from the
/// connection's statement cache, so a batch of 10,000 returns parses each
/// INSERT once.
fn apply_batch(conn: &mut Connection, batch: &[Op]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let t = now();
    for op in batch {
        match &op.write {
            Write::Job(job) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO jobs (jid, fun, arg, tgt, tgt_type, user, minions, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                        job.jid.as_str(),
                        job.fun,
                        Value::Array(job.arg.clone()).to_string(),
                        job.tgt,
                        job.tgt_type,
                        job.user,
                        serde_json::to_string(&job.minions).unwrap_or_default(),
                        t
                    ])?;
            }
            Write::Return(ret) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO returns (jid, id, fun, ret, retcode, success, out, fun_args, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                        ret.jid.as_str(),
                        ret.id.as_str(),
                        ret.fun,
                        ret.ret.to_string(),
                        ret.retcode,
                        ret.success,
                        ret.out,
                        Value::Array(ret.fun_args.clone()).to_string(),
                        t
                    ])?;
            }
            Write::Grains { id, grains } => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO minion_data (id, grains, updated) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![id, grains, t])?;
            }
            Write::Prune { keep_hours } => {
                let cutoff = t - keep_hours * 3600.0;
                tx.execute("DELETE FROM jobs WHERE created < ?1", params![cutoff])?;
                tx.execute("DELETE FROM returns WHERE created < ?1", params![cutoff])?;
            }
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use halite_proto::MinionId;
    use serde_json::json;

    fn ret(jid: &Jid, id: &str, value: Value) -> JobReturn {
        JobReturn {
            jid: jid.clone(),
            id: MinionId::new(id).unwrap(),
            fun: "test.ping".into(),
            fun_args: vec![],
            ret: value,
            retcode: 0,
            success: true,
            out: None,
        }
    }

    #[tokio::test]
    async fn jobs_and_returns_survive_reopening_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let jid = Jid::parse("20261124140000000001").unwrap();
        {
            let cache = JobCache::open(dir.path()).unwrap();
            cache
                .store_job(JobRecord {
                    jid: jid.clone(),
                    fun: "test.ping".into(),
                    arg: vec![json!(1)],
                    tgt: "*".into(),
                    tgt_type: "glob".into(),
                    user: "root".into(),
                    minions: vec!["a".into(), "b".into()],
                })
                .await
                .unwrap();
            cache
                .store_return(ret(&jid, "a", json!(true)))
                .await
                .unwrap();
            // A return sent twice (reconnect before ack) is stored once.
            cache
                .store_return(ret(&jid, "a", json!(true)))
                .await
                .unwrap();
            cache
                .store_grains("a", &json!({"os": "Debian"}))
                .await
                .unwrap();
        }
        let cache = JobCache::open(dir.path()).unwrap();
        let jobs = cache.list_jobs().unwrap();
        assert_eq!(jobs[jid.as_str()]["Function"], json!("test.ping"));
        assert_eq!(jobs[jid.as_str()]["Target-type"], json!("glob"));
        assert_eq!(cache.returns(&jid).unwrap().len(), 1);
        assert_eq!(cache.job(&jid).unwrap().unwrap().minions, vec!["a", "b"]);
        let grains = cache.load_grains().unwrap();
        assert_eq!(grains.len(), 1);
        assert_eq!(
            (grains[0].0.as_str(), grains[0].1.unpack()),
            ("a", json!({"os": "Debian"}))
        );
        cache.prune(0.0).await.unwrap();
        assert!(cache.list_jobs().unwrap().is_empty());
        assert!(cache.returns(&jid).unwrap().is_empty());
    }
}
