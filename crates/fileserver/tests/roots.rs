//! The `roots` backend against real directory trees: precedence, saltenvs,
//! listings, state names, ignore rules and every escape we could think of.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use halite_fileserver::{FileClient, FileServerError, LocalClient, Roots, parse_salt_url};
use serde_json::{Map, Value, json};

/// sha256 of "hello\n".
const HELLO_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn link(&self, target: impl AsRef<Path>, rel: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
    }

    fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.path(rel)).unwrap();
    }

    fn root_str(&self, rel: &str) -> String {
        self.path(rel).to_str().unwrap().to_owned()
    }
}

fn opts(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not a map: {other}"),
    }
}

fn roots(file_roots: Value) -> Roots {
    Roots::from_config(&opts(file_roots)).unwrap()
}

fn read(roots: &Roots, saltenv: &str, path: &str) -> Option<String> {
    let rooted = roots.resolve(saltenv, path).unwrap()?;
    Some(String::from_utf8(roots.read(&rooted).unwrap()).unwrap())
}

#[test]
fn the_first_root_that_has_the_file_wins() {
    let tree = Tree::new();
    tree.write("one/common.txt", "from one");
    tree.write("two/common.txt", "from two");
    tree.write("two/only_two.txt", "only two");
    tree.write("dev/common.txt", "from dev");
    let roots = roots(json!({
        "base": [tree.root_str("one"), tree.root_str("two")],
        "dev": [tree.root_str("dev"), tree.root_str("one")],
    }));
    assert_eq!(
        read(&roots, "base", "common.txt").as_deref(),
        Some("from one")
    );
    assert_eq!(
        read(&roots, "base", "only_two.txt").as_deref(),
        Some("only two")
    );
    assert_eq!(
        read(&roots, "dev", "common.txt").as_deref(),
        Some("from dev")
    );
    assert_eq!(read(&roots, "dev", "only_two.txt"), None);
    assert_eq!(
        read(&roots, "prod", "common.txt"),
        None,
        "an unknown saltenv serves nothing"
    );
    let rooted = roots.resolve("base", "only_two.txt").unwrap().unwrap();
    assert_eq!(rooted.root(), tree.path("two"));
    assert_eq!(rooted.rel(), "only_two.txt");
    assert_eq!(roots.envs(), ["base", "dev"]);
}

#[test]
fn the_url_selects_the_saltenv() {
    let tree = Tree::new();
    tree.write("base/motd", "base motd");
    tree.write("dev/motd", "dev motd");
    let client = LocalClient::new(roots(
        json!({"base": [tree.root_str("base")], "dev": [tree.root_str("dev")]}),
    ));
    let get = |url: &str| {
        let (path, saltenv) = parse_salt_url(url).unwrap();
        let data = client
            .get_file(saltenv.as_deref().unwrap_or("base"), &path)
            .unwrap()?;
        Some(String::from_utf8(data).unwrap())
    };
    assert_eq!(get("salt://motd").as_deref(), Some("base motd"));
    assert_eq!(get("salt://motd?saltenv=dev").as_deref(), Some("dev motd"));
    assert_eq!(
        get("salt://./motd?saltenv=dev").as_deref(),
        Some("dev motd")
    );
    assert_eq!(get("salt://motd?saltenv=qa"), None);
}

#[test]
fn find_file_reports_size_mode_and_sha256() {
    let tree = Tree::new();
    let file = tree.write("srv/a/hello.txt", "hello\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    let info = roots.find_file("base", "a/./hello.txt").unwrap().unwrap();
    assert_eq!(info.size, 6);
    assert_eq!(info.mode, 0o640);
    assert_eq!(info.sha256, HELLO_SHA256);
    assert_eq!(info.rooted.rel(), "a/hello.txt");
    let client = LocalClient::new(roots);
    assert_eq!(
        client.hash_file("base", "a/hello.txt").unwrap().as_deref(),
        Some(HELLO_SHA256)
    );
    assert_eq!(client.hash_file("base", "a/missing.txt").unwrap(), None);
    assert_eq!(
        client.hash_file("base", "a").unwrap(),
        None,
        "a directory is not a file"
    );
}

#[test]
fn dot_dot_absolute_nul_and_friends_are_refused() {
    let tree = Tree::new();
    tree.write("secret", "secret");
    tree.write("srv/a/b", "b");
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    for path in [
        "a/../../secret",
        "../secret",
        "a/../b",
        "a/..",
        "/etc/passwd",
        "a\0b",
        "a\\..\\..\\secret",
        "C:/x",
        "",
    ] {
        assert!(
            roots.resolve("base", path).is_err(),
            "{path:?} should be refused"
        );
        assert!(
            roots.find_file("base", path).is_err(),
            "{path:?} should be refused"
        );
    }
    let absolute = tree.path("secret");
    assert!(matches!(
        roots.resolve("base", absolute.to_str().unwrap()),
        Err(FileServerError::AbsolutePath(_))
    ));
    // Literal names, not escapes.
    assert_eq!(roots.resolve("base", "%2e%2e/secret").unwrap(), None);
    tree.write("srv/%2e%2e/x", "literal");
    assert_eq!(read(&roots, "base", "%2e%2e/x").as_deref(), Some("literal"));
    assert_eq!(read(&roots, "base", "a/./b").as_deref(), Some("b"));
    assert_eq!(read(&roots, "base", "a//b").as_deref(), Some("b"));
    // Saltenvs are checked too: they replace `__env__` in root paths.
    for saltenv in ["../srv", "a/b", "", ".."] {
        assert!(
            matches!(
                roots.resolve(saltenv, "a/b"),
                Err(FileServerError::BadSaltenv(..))
            ),
            "{saltenv:?}"
        );
    }
}

/// A root full of symlinks: inside and outside, relative and absolute, to
/// files and to directories, plus a loop and a dangling link.
fn symlink_zoo() -> Tree {
    let tree = Tree::new();
    tree.write("outside/secret", "secret");
    tree.write("outside/dir/deep", "deep secret");
    tree.write("srv/real/file.sls", "inside");
    tree.write("srv/real/init.sls", "init");
    tree.link("real/file.sls", "srv/rel_in.sls");
    tree.link(tree.path("srv/real/file.sls"), "srv/abs_in.sls");
    tree.link("real", "srv/dir_in");
    tree.link("../outside/secret", "srv/rel_out");
    tree.link(tree.path("outside/secret"), "srv/abs_out");
    tree.link("../outside/dir", "srv/dir_out");
    tree.link(tree.path("outside"), "srv/real/abs_dir_out");
    tree.link("../../outside/secret", "srv/real/nested_out");
    tree.link("loop2", "srv/loop1");
    tree.link("loop1", "srv/loop2");
    tree.link("..", "srv/real/parent_loop");
    tree.link("nowhere", "srv/dangling");
    tree
}

#[test]
fn symlinks_out_of_the_root_are_neither_served_nor_listed() {
    let tree = symlink_zoo();
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    assert_eq!(
        read(&roots, "base", "rel_in.sls").as_deref(),
        Some("inside")
    );
    assert_eq!(
        read(&roots, "base", "abs_in.sls").as_deref(),
        Some("inside")
    );
    assert_eq!(
        read(&roots, "base", "dir_in/file.sls").as_deref(),
        Some("inside")
    );
    assert_eq!(
        read(&roots, "base", "real/parent_loop/real/file.sls").as_deref(),
        Some("inside")
    );
    for escape in [
        "rel_out",
        "abs_out",
        "dir_out/deep",
        "real/abs_dir_out/secret",
        "real/nested_out",
        "loop1",
        "dangling",
    ] {
        assert_eq!(roots.resolve("base", escape).unwrap(), None, "{escape}");
        assert_eq!(roots.find_file("base", escape).unwrap(), None, "{escape}");
    }
    assert_eq!(
        roots.file_list("base").unwrap(),
        [
            "abs_in.sls",
            "dir_in/file.sls",
            "dir_in/init.sls",
            "real/file.sls",
            "real/init.sls",
            "rel_in.sls"
        ]
    );
    // `parent_loop` points at an ancestor: listed, not descended.
    assert_eq!(
        roots.dir_list("base").unwrap(),
        ["dir_in", "dir_in/parent_loop", "real", "real/parent_loop"]
    );
    assert_eq!(
        roots.list_states("base").unwrap(),
        [
            "abs_in",
            "dir_in",
            "dir_in.file",
            "real",
            "real.file",
            "rel_in"
        ]
    );
}

#[test]
fn fileserver_followsymlinks_true_is_salts_behaviour() {
    let tree = symlink_zoo();
    let roots = Roots::from_opts(&opts(json!({
        "file_roots": {"base": [tree.root_str("srv")]},
        "fileserver_followsymlinks": true,
    })))
    .unwrap();
    assert_eq!(read(&roots, "base", "rel_out").as_deref(), Some("secret"));
    assert_eq!(read(&roots, "base", "abs_out").as_deref(), Some("secret"));
    assert_eq!(
        read(&roots, "base", "dir_out/deep").as_deref(),
        Some("deep secret")
    );
    assert!(
        roots
            .file_list("base")
            .unwrap()
            .contains(&"dir_out/deep".to_owned())
    );
    // `..` stays refused whatever the symlink policy.
    assert!(roots.resolve("base", "../outside/secret").is_err());
    assert_eq!(roots.resolve("base", "loop1").unwrap(), None);
}

#[test]
fn fileserver_ignoresymlinks_hides_every_link_from_listings() {
    let tree = symlink_zoo();
    let roots = Roots::from_opts(&opts(json!({
        "file_roots": {"base": [tree.root_str("srv")]},
        "fileserver_ignoresymlinks": true,
    })))
    .unwrap();
    assert_eq!(
        roots.file_list("base").unwrap(),
        ["real/file.sls", "real/init.sls"]
    );
}

#[test]
fn ignore_regex_and_glob_hide_files_from_listing_and_serving() {
    let tree = Tree::new();
    tree.write("srv/.git/config", "git");
    tree.write("srv/sub/.svn/entries", "svn");
    tree.write("srv/mod.pyc", "bytecode");
    tree.write("srv/keep.sls", "keep");
    tree.write("srv/notes.swp", "swap");
    let roots = Roots::from_opts(&opts(json!({
        "file_roots": {"base": [tree.root_str("srv")]},
        "file_ignore_regex": [r"/\.git($|/)", r"/\.svn($|/)"],
        "file_ignore_glob": "*.swp",
    })))
    .unwrap();
    assert_eq!(roots.file_list("base").unwrap(), ["keep.sls", "mod.pyc"]);
    assert_eq!(roots.dir_list("base").unwrap(), ["sub"]);
    assert_eq!(roots.resolve("base", ".git/config").unwrap(), None);
    assert_eq!(roots.resolve("base", "notes.swp").unwrap(), None);
    assert_eq!(read(&roots, "base", "mod.pyc").as_deref(), Some("bytecode"));
    let bad = Roots::from_opts(&opts(json!({"file_ignore_regex": ["("]}))).unwrap_err();
    assert!(bad.to_string().contains("file_ignore_regex"), "{bad}");
}

#[test]
fn list_states_names_init_and_nested_files_as_salt() {
    let tree = Tree::new();
    for rel in [
        "top.sls",
        "web/init.sls",
        "web/nginx.sls",
        "web/nginx/init.sls",
        "db/pg/server.sls",
        "files/motd",
        "a.b.sls",
    ] {
        tree.write(&format!("srv/{rel}"), "x: {}");
    }
    tree.write("formulas/users/init.sls", "x: {}");
    tree.mkdir("srv/empty");
    let roots = roots(json!({"base": [tree.root_str("srv"), tree.root_str("formulas")]}));
    assert_eq!(
        roots.list_states("base").unwrap(),
        ["a.b", "db.pg.server", "top", "users", "web", "web.nginx"]
    );
    assert_eq!(
        LocalClient::new(roots.clone()).list_states("base").unwrap(),
        roots.list_states("base").unwrap()
    );
    assert_eq!(roots.file_list_emptydirs("base").unwrap(), ["empty"]);
    assert_eq!(
        roots.dir_list("base").unwrap(),
        ["db", "db/pg", "empty", "files", "users", "web", "web/nginx"]
    );
}

#[test]
fn env_wildcard_roots_serve_unnamed_saltenvs() {
    let tree = Tree::new();
    tree.write("envs/feature1/app.sls", "feature");
    tree.write("base/app.sls", "base");
    let roots = roots(json!({
        "base": [tree.root_str("base")],
        "__env__": [format!("{}/__env__", tree.root_str("envs"))],
    }));
    assert_eq!(
        read(&roots, "feature1", "app.sls").as_deref(),
        Some("feature")
    );
    assert_eq!(read(&roots, "base", "app.sls").as_deref(), Some("base"));
    assert!(matches!(
        roots.resolve("../base", "app.sls"),
        Err(FileServerError::BadSaltenv(..))
    ));
}

#[test]
fn config_shapes_follow_salt() {
    let defaults = Roots::from_config(&Map::new()).unwrap();
    assert_eq!(
        defaults.roots_for("base").unwrap(),
        [PathBuf::from("/srv/salt"), PathBuf::from("/srv/spm/salt")]
    );
    let roots = roots(json!({"base": null, "dev": ["/srv/dev"]}));
    assert!(
        roots.roots_for("base").unwrap().is_empty(),
        "a non-list saltenv has no roots"
    );
    let err = Roots::from_config(&opts(json!({"base": [1]}))).unwrap_err();
    assert!(matches!(err, FileServerError::BadFileRoots(_)), "{err}");
    let err = Roots::from_config(&opts(json!({"../x": ["/srv"]}))).unwrap_err();
    assert!(matches!(err, FileServerError::BadSaltenv(..)), "{err}");
    let err = Roots::from_opts(&opts(json!({"fileserver_followsymlinks": "yes"}))).unwrap_err();
    assert!(matches!(err, FileServerError::BadOption { .. }), "{err}");
}

#[test]
fn special_files_are_not_served() {
    let tree = Tree::new();
    tree.mkdir("srv");
    nix::unistd::mkfifo(
        &tree.path("srv/fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    assert_eq!(roots.resolve("base", "fifo").unwrap(), None);
    assert!(roots.file_list("base").unwrap().is_empty());
}

#[test]
fn a_resolved_path_swapped_for_an_escaping_symlink_is_not_read() {
    let tree = Tree::new();
    tree.write("outside/secret", "secret");
    tree.write("srv/dir/file", "served");
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    let rooted = roots.resolve("base", "dir/file").unwrap().unwrap();
    assert_eq!(roots.read(&rooted).unwrap(), b"served");
    let mut streamed = String::new();
    std::io::Read::read_to_string(&mut roots.open(&rooted).unwrap(), &mut streamed).unwrap();
    assert_eq!(streamed, "served");

    // Between resolve and read, the directory becomes a symlink out.
    std::fs::rename(tree.path("srv/dir"), tree.path("srv/old")).unwrap();
    tree.link("../outside", "srv/dir");
    tree.write("outside/file", "stolen");
    let err = roots.read(&rooted).unwrap_err();
    assert!(matches!(err, FileServerError::Io { .. }), "{err}");
    assert!(roots.open(&rooted).is_err());
}

#[test]
fn names_that_cannot_be_requested_are_not_listed() {
    use std::os::unix::ffi::OsStrExt;
    let tree = Tree::new();
    tree.write("srv/ok.sls", "ok");
    tree.write("srv/back\\slash.sls", "unreachable");
    let not_utf8 = std::ffi::OsStr::from_bytes(b"caf\xe9.sls");
    std::fs::write(tree.path("srv").join(not_utf8), "unreachable").unwrap();
    let roots = roots(json!({"base": [tree.root_str("srv")]}));
    assert_eq!(roots.file_list("base").unwrap(), ["ok.sls"]);
    assert!(matches!(
        roots.resolve("base", "back\\slash.sls"),
        Err(FileServerError::Backslash(_))
    ));
}

#[test]
fn clients_can_be_shared_across_threads() {
    let tree = Tree::new();
    tree.write("srv/x", "x");
    let client: std::sync::Arc<dyn FileClient> = std::sync::Arc::new(LocalClient::new(roots(
        json!({"base": [tree.root_str("srv")]}),
    )));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.get_file("base", "x").unwrap())
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap().as_deref(), Some(&b"x"[..]));
    }
    assert_eq!(client.file_list("base").unwrap(), ["x"]);
}
