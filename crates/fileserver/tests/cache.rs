//! The minion's cache against a real master-side tree: it fetches only what
//! changed, and it never writes outside `<cachedir>/files/<saltenv>/`,
//! whatever a hostile file server answers.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use halite_fileserver::{
    CachedState, CachingClient, FileClient, FileServerError, LocalClient, Roots, states_from_files,
};
use serde_json::json;

/// A real file client over real roots that counts what it is asked.
struct CountingClient {
    inner: LocalClient,
    fetches: AtomicUsize,
    hashes: AtomicUsize,
}

impl CountingClient {
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl FileClient for CountingClient {
    fn hash_file(&self, saltenv: &str, path: &str) -> Result<Option<String>, FileServerError> {
        self.hashes.fetch_add(1, Ordering::SeqCst);
        self.inner.hash_file(saltenv, path)
    }
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.inner.get_file(saltenv, path)
    }
    fn file_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.inner.file_list(saltenv)
    }
    fn dir_list(&self, saltenv: &str) -> Result<Vec<String>, FileServerError> {
        self.inner.dir_list(saltenv)
    }
}

struct Setup {
    dir: tempfile::TempDir,
    cache: CachingClient<CountingClient>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("master/base");
        let dev = dir.path().join("master/dev");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(&dev).unwrap();
        let roots = Roots::from_config(
            json!({"base": [base.to_str().unwrap()], "dev": [dev.to_str().unwrap()]})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let remote = CountingClient {
            inner: LocalClient::new(roots),
            fetches: 0.into(),
            hashes: 0.into(),
        };
        let cache = CachingClient::new(dir.path().join("minion/cache"), remote);
        Setup { dir, cache }
    }

    fn master_write(&self, rel: &str, text: &str) {
        let path = self.dir.path().join("master").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn cachedir(&self) -> PathBuf {
        self.dir.path().join("minion/cache")
    }
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_file_is_fetched_again_only_when_it_changed() {
    let setup = Setup::new();
    setup.master_write("base/web/nginx.conf", "v1");
    setup.master_write("base/other.conf", "other");
    let dest = setup
        .cache
        .cache_file("salt://web/nginx.conf", "base")
        .unwrap()
        .unwrap();
    assert_eq!(dest, setup.cachedir().join("files/base/web/nginx.conf"));
    assert_eq!(text(&dest), "v1");
    assert_eq!(setup.cache.remote().fetches(), 1);

    for _ in 0..3 {
        assert_eq!(
            setup
                .cache
                .cache_file("salt://web/nginx.conf", "base")
                .unwrap()
                .unwrap(),
            dest
        );
    }
    assert_eq!(
        setup.cache.remote().fetches(),
        1,
        "unchanged: served from the cache"
    );
    assert_eq!(
        setup.cache.remote().hashes.load(Ordering::SeqCst),
        4,
        "but the hash is checked each time"
    );

    setup.master_write("base/web/nginx.conf", "v2");
    setup
        .cache
        .cache_file("salt://web/nginx.conf", "base")
        .unwrap()
        .unwrap();
    assert_eq!(text(&dest), "v2");
    assert_eq!(
        setup.cache.remote().fetches(),
        2,
        "changed: fetched once more"
    );

    // A cached copy damaged locally is repaired.
    std::fs::write(&dest, "tampered").unwrap();
    setup
        .cache
        .cache_file("salt://web/nginx.conf", "base")
        .unwrap()
        .unwrap();
    assert_eq!(text(&dest), "v2");
    assert_eq!(setup.cache.remote().fetches(), 3);

    assert_eq!(
        setup
            .cache
            .cache_file("salt://missing.conf", "base")
            .unwrap(),
        None
    );
    assert_eq!(
        setup.cache.remote().fetches(),
        3,
        "nothing to fetch for a missing file"
    );
    assert_eq!(
        setup
            .cache
            .is_cached("salt://web/nginx.conf", "base")
            .unwrap(),
        Some(dest)
    );
    assert_eq!(
        setup.cache.is_cached("salt://other.conf", "base").unwrap(),
        None
    );
}

#[test]
fn the_saltenv_in_the_url_picks_the_cache_directory() {
    let setup = Setup::new();
    setup.master_write("base/motd", "base");
    setup.master_write("dev/motd", "dev");
    let base = setup
        .cache
        .cache_file("salt://motd", "base")
        .unwrap()
        .unwrap();
    let dev = setup
        .cache
        .cache_file("salt://motd?saltenv=dev", "base")
        .unwrap()
        .unwrap();
    assert_eq!(base, setup.cachedir().join("files/base/motd"));
    assert_eq!(dev, setup.cachedir().join("files/dev/motd"));
    assert_eq!((text(&base), text(&dev)), ("base".into(), "dev".into()));
    assert_eq!(
        setup
            .cache
            .cache_dest("salt://a/b?saltenv=dev", "base")
            .unwrap(),
        setup.cachedir().join("files/dev/a/b")
    );
}

#[test]
fn get_state_cache_dir_and_cache_master() {
    let setup = Setup::new();
    setup.master_write("base/web/init.sls", "web");
    setup.master_write("base/web/files/site.conf", "site");
    setup.master_write("base/db.sls", "db");
    let state = setup.cache.get_state("web", "base").unwrap().unwrap();
    assert_eq!(
        state,
        CachedState {
            source: "salt://web/init.sls".into(),
            dest: setup.cachedir().join("files/base/web/init.sls")
        }
    );
    assert_eq!(
        setup.cache.get_state("db", "base").unwrap().unwrap().source,
        "salt://db.sls"
    );
    assert_eq!(setup.cache.get_state("nope", "base").unwrap(), None);

    let cached = setup.cache.cache_dir("salt://web", "base").unwrap();
    assert_eq!(
        cached,
        [
            setup.cachedir().join("files/base/web/files/site.conf"),
            setup.cachedir().join("files/base/web/init.sls")
        ]
    );
    assert_eq!(setup.cache.cache_master("base").unwrap().len(), 3);
    // web/init.sls and db.sls came with get_state; only site.conf is new.
    assert_eq!(
        setup.cache.remote().fetches(),
        3,
        "cached, unchanged files are not fetched again"
    );
    assert_eq!(setup.cache.list_states("base").unwrap(), ["db", "web"]);
    // As a FileClient itself, the cache serves the contents.
    assert_eq!(
        setup.cache.get_file("base", "db.sls").unwrap().unwrap(),
        b"db"
    );
    assert_eq!(setup.cache.remote().fetches(), 3);
}

#[test]
fn a_directory_or_file_in_the_way_is_replaced_as_salt_does() {
    let setup = Setup::new();
    setup.master_write("base/a/b", "file b");
    // A file cached earlier where a directory is now needed, and a directory
    // where the file goes.
    std::fs::create_dir_all(setup.cachedir().join("files/base")).unwrap();
    std::fs::write(setup.cachedir().join("files/base/a"), "old file a").unwrap();
    let dest = setup
        .cache
        .cache_file("salt://a/b", "base")
        .unwrap()
        .unwrap();
    assert_eq!(text(&dest), "file b");
    std::fs::remove_file(&dest).unwrap();
    std::fs::create_dir_all(dest.join("stale")).unwrap();
    setup
        .cache
        .cache_file("salt://a/b", "base")
        .unwrap()
        .unwrap();
    assert_eq!(text(&dest), "file b");
}

/// A file server that answers what a compromised master might.
#[derive(Default)]
struct HostileServer {
    list: Vec<String>,
    hash: Option<String>,
    /// Different contents on each fetch.
    shifting: bool,
    fetched: Mutex<Vec<(String, String)>>,
}

impl FileClient for HostileServer {
    fn hash_file(&self, _saltenv: &str, _path: &str) -> Result<Option<String>, FileServerError> {
        Ok(self.hash.clone())
    }
    fn get_file(&self, saltenv: &str, path: &str) -> Result<Option<Vec<u8>>, FileServerError> {
        let mut fetched = self.fetched.lock().unwrap();
        fetched.push((saltenv.to_owned(), path.to_owned()));
        Ok(Some(
            if self.shifting {
                format!("payload {}", fetched.len())
            } else {
                "payload".into()
            }
            .into_bytes(),
        ))
    }
    fn file_list(&self, _saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(self.list.clone())
    }
    fn dir_list(&self, _saltenv: &str) -> Result<Vec<String>, FileServerError> {
        Ok(Vec::new())
    }
}

/// sha256 of "payload".
const PAYLOAD_SHA256: &str = "239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5";

/// Every file under `dir`, relative.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_file_lists_cache_nothing() {
    for bad in [
        "../../escape",
        "/etc/cron.d/evil",
        "a/../../b",
        "a\\..\\b",
        "a/./b",
        "",
        "x\0y",
        "C:/evil",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let server = HostileServer {
            list: vec!["fine.txt".into(), bad.into()],
            hash: Some(PAYLOAD_SHA256.into()),
            ..Default::default()
        };
        let cache = CachingClient::new(dir.path().join("cache"), server);
        let err = cache.cache_master("base").unwrap_err();
        assert!(
            matches!(err, FileServerError::HostileRemote(_)),
            "{bad:?}: {err}"
        );
        let err = cache.cache_dir("salt://a", "base").unwrap_err();
        assert!(
            matches!(err, FileServerError::HostileRemote(_)),
            "{bad:?}: {err}"
        );
        assert!(
            cache.remote().fetched.lock().unwrap().is_empty(),
            "{bad:?}: nothing may be fetched"
        );
        assert!(
            files_under(dir.path()).is_empty(),
            "{bad:?}: nothing may be written"
        );
    }
    // The same server with a clean list is fine.
    let dir = tempfile::tempdir().unwrap();
    let server = HostileServer {
        list: vec!["fine.txt".into()],
        hash: Some(PAYLOAD_SHA256.into()),
        ..Default::default()
    };
    let cache = CachingClient::new(dir.path().join("cache"), server);
    assert_eq!(
        cache.cache_master("base").unwrap(),
        [dir.path().join("cache/files/base/fine.txt")]
    );
}

#[test]
fn hostile_urls_and_saltenvs_never_reach_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = HostileServer {
        hash: Some(PAYLOAD_SHA256.into()),
        ..Default::default()
    };
    let cache = CachingClient::new(dir.path().join("cache"), server);
    for (url, saltenv) in [
        ("salt://../../etc/passwd", "base"),
        ("salt:///etc/passwd", "base"),
        ("salt://a/../../../x", "base"),
        ("salt://x?saltenv=../../tmp", "base"),
        ("salt://x?saltenv=a/b", "base"),
        ("salt://x", "../.."),
        ("salt://x", ""),
        ("/etc/passwd", "base"),
        ("salt://x\0y", "base"),
    ] {
        assert!(cache.cache_file(url, saltenv).is_err(), "{url} {saltenv}");
        assert!(cache.cache_dest(url, saltenv).is_err(), "{url} {saltenv}");
    }
    assert!(cache.get_state("../../etc/x", "base").is_err());
    assert!(cache.get_file("../..", "x").is_err());
    assert!(cache.remote().fetched.lock().unwrap().is_empty());
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn malformed_hashes_are_refused() {
    for hash in [
        "../../etc/passwd",
        "abc",
        &"G".repeat(64),
        &PAYLOAD_SHA256.to_uppercase(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let server = HostileServer {
            hash: Some(hash.to_owned()),
            ..Default::default()
        };
        let cache = CachingClient::new(dir.path().join("cache"), server);
        let err = cache.cache_file("salt://x", "base").unwrap_err();
        assert!(
            matches!(err, FileServerError::HostileRemote(_)),
            "{hash}: {err}"
        );
        assert!(files_under(dir.path()).is_empty());
    }
}

#[test]
fn contents_that_never_match_their_hash_are_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let server = HostileServer {
        hash: Some(PAYLOAD_SHA256.into()),
        shifting: true,
        ..Default::default()
    };
    let cache = CachingClient::new(dir.path().join("cache"), server);
    let err = cache.cache_file("salt://x", "base").unwrap_err();
    assert!(matches!(err, FileServerError::Remote(_)), "{err}");
    assert_eq!(
        cache.remote().fetched.lock().unwrap().len(),
        3,
        "Salt's three tries"
    );
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn symlinks_planted_in_the_cache_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), "precious").unwrap();
    let cachedir = dir.path().join("cache");
    std::fs::create_dir_all(cachedir.join("files/base")).unwrap();
    // A directory in the cache replaced by a symlink to elsewhere.
    std::os::unix::fs::symlink(&outside, cachedir.join("files/base/sub")).unwrap();
    // The cached file itself replaced by a symlink to a victim.
    std::os::unix::fs::symlink(outside.join("victim"), cachedir.join("files/base/top")).unwrap();
    let server = HostileServer {
        hash: Some(PAYLOAD_SHA256.into()),
        ..Default::default()
    };
    let cache = CachingClient::new(&cachedir, server);

    let err = cache.cache_file("salt://sub/victim", "base").unwrap_err();
    assert!(
        matches!(err, FileServerError::CacheTampered { .. }),
        "{err}"
    );
    assert_eq!(cache.is_cached("salt://sub/victim", "base").unwrap(), None);

    let dest = cache.cache_file("salt://top", "base").unwrap().unwrap();
    assert!(
        !std::fs::symlink_metadata(&dest)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link itself is replaced"
    );
    assert_eq!(text(&dest), "payload");
    assert_eq!(text(&outside.join("victim")), "precious");

    // A symlinked saltenv directory is refused the same way.
    std::os::unix::fs::symlink(&outside, cachedir.join("files/dev")).unwrap();
    let err = cache
        .cache_file("salt://x?saltenv=dev", "base")
        .unwrap_err();
    assert!(
        matches!(err, FileServerError::CacheTampered { .. }),
        "{err}"
    );
    assert_eq!(files_under(&outside), ["victim"]);
}

#[test]
fn list_states_over_a_client_matches_salt() {
    let names: Vec<String> = ["a/init.sls", "a/b.sls", "a/b/init.sls", "c.sls"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(states_from_files(&names), ["a", "a.b", "c"]);
}
