//! Runs one command the way a job needs it.
//!
//! - The child starts a new session (`setsid`), so it and everything it
//!   starts share one process group; a timeout or a killed job sends SIGKILL
//!   to the whole group and leaves nothing behind.
//! - stdout and stderr are drained by their own threads and stdin is fed by
//!   another, so a command writing megabytes to both pipes, or reading
//!   megabytes from stdin, cannot deadlock against us.
//! - The user switch (`setgroups`/`setgid`/`setuid`) and the umask happen in
//!   the child between fork and exec, using only async-signal-safe calls
//!   with everything looked up beforehand.
//!
//! This module knows nothing about Salt's arguments; `cmd.rs` translates
//! them into a [`Spec`].

use std::ffi::OsString;
use std::io::{self, PipeReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How often the cancel flag is checked while nothing else happens.
const POLL: Duration = Duration::from_millis(20);

/// After killing the group, how long to wait for the pipes to close. A
/// process that left the group (a daemon calling `setsid`) may keep them
/// open forever; we stop waiting for it.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Program and arguments; the program is searched in `PATH` of `env`.
    pub argv: Vec<OsString>,
    pub cwd: PathBuf,
    /// The complete environment of the child.
    pub env: Vec<(OsString, OsString)>,
    /// Bytes written to the child's stdin, which is then closed. `None`
    /// gives the child `/dev/null`.
    pub stdin: Option<Vec<u8>>,
    /// Send stderr into the stdout pipe (Salt's `redirect_stderr`), keeping
    /// the interleaving the command produced.
    pub merge_stderr: bool,
    /// Switch to this user in the child.
    pub credentials: Option<Credentials>,
    pub umask: Option<libc::mode_t>,
    /// Kill the process group after this long.
    pub timeout: Option<Duration>,
}

/// The ids a child switches to, resolved in the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    /// Supplementary groups (what `initgroups` would set).
    pub groups: Vec<libc::gid_t>,
}

/// A command that ran to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub pid: u32,
    /// Python's `returncode`: the exit code, or minus the signal number that
    /// killed the process.
    pub returncode: i32,
    pub stdout: Vec<u8>,
    /// Empty when stderr was merged into stdout.
    pub stderr: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Finished(Finished),
    /// The timeout expired; the process group was killed.
    TimedOut {
        pid: u32,
    },
    /// The cancel flag was set; the process group was killed.
    Cancelled {
        pid: u32,
    },
}

/// Runs `spec` to completion, timeout or cancellation. `Err` means the
/// command could not be started (program not found, user switch refused).
pub fn run(spec: &Spec, cancel: &AtomicBool) -> io::Result<Outcome> {
    let (stdout_reader, stdout_writer) = io::pipe()?;
    let (stderr_reader, stderr_writer) = if spec.merge_stderr {
        (None, stdout_writer.try_clone()?)
    } else {
        let (reader, writer) = io::pipe()?;
        (Some(reader), writer)
    };
    let mut command = command(spec)?;
    command
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout_writer)
        .stderr(stderr_writer);
    let mut child = spawn(&mut command)?;
    // The command holds our copies of the pipes' write ends; they must be
    // closed, or the readers would never see end-of-file.
    drop(command);
    let pid = child.id();
    let started = Instant::now();

    let (events_tx, events) = mpsc::channel();
    let mut threads = Threads::default();
    if let (Some(input), Some(mut child_stdin)) = (spec.stdin.clone(), child.stdin.take()) {
        // A command that exits without reading all of stdin gives EPIPE,
        // which is its business, not an error of ours.
        threads.spawn("cmd-stdin", move || {
            let _ = child_stdin.write_all(&input);
        });
    }
    threads.spawn_reader(
        "cmd-stdout",
        stdout_reader,
        Stream::Stdout,
        events_tx.clone(),
    );
    let mut pending = Pending {
        exit: true,
        stdout: true,
        stderr: stderr_reader.is_some(),
    };
    if let Some(reader) = stderr_reader {
        threads.spawn_reader("cmd-stderr", reader, Stream::Stderr, events_tx.clone());
    }
    let exit_tx = events_tx;
    threads.spawn("cmd-wait", move || {
        let _ = exit_tx.send(Event::Exited(child.wait()));
    });
    if let Some(err) = threads.failed.take() {
        kill_group(pid);
        return Err(err);
    }

    let deadline = spec.timeout.map(|t| started + t);
    let mut killed: Option<(Instant, Outcome)> = None;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut status: Option<ExitStatus> = None;
    while pending.any() {
        if killed.is_none() {
            let now = Instant::now();
            if cancel.load(Ordering::Relaxed) {
                kill_group(pid);
                killed = Some((now, Outcome::Cancelled { pid }));
            } else if deadline.is_some_and(|d| now >= d) {
                kill_group(pid);
                killed = Some((now, Outcome::TimedOut { pid }));
            }
        }
        let wait = match (&killed, deadline) {
            (None, Some(d)) => d.saturating_duration_since(Instant::now()).min(POLL),
            _ => POLL,
        };
        match events.recv_timeout(wait) {
            Ok(Event::Output(Stream::Stdout, bytes)) => {
                stdout = bytes;
                pending.stdout = false;
            }
            Ok(Event::Output(Stream::Stderr, bytes)) => {
                stderr = bytes;
                pending.stderr = false;
            }
            Ok(Event::Exited(result)) => {
                status = Some(result?);
                pending.exit = false;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if killed
                    .as_ref()
                    .is_some_and(|(at, _)| at.elapsed() >= KILL_GRACE)
                {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some((_, outcome)) = killed {
        return Ok(outcome);
    }
    let status = status.ok_or_else(|| io::Error::other("the command's exit status was lost"))?;
    Ok(Outcome::Finished(Finished {
        pid,
        returncode: returncode(status),
        stdout,
        stderr,
    }))
}

/// Starts `spec` in the background (Salt's `bg=True`) with no stdin and
/// output discarded, and returns its pid. A thread reaps it when it exits.
pub fn spawn_detached(spec: &Spec) -> io::Result<u32> {
    let mut command = command(spec)?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = spawn(&mut command)?;
    let pid = child.id();
    thread::Builder::new()
        .name("cmd-bg-wait".into())
        .spawn(move || {
            let _ = child.wait();
        })?;
    Ok(pid)
}

/// Sends SIGKILL to the process group led by `pid`. A group that is already
/// gone is fine.
pub fn kill_group(pid: u32) {
    if let Ok(pgid) = i32::try_from(pid) {
        // SAFETY: kill(2) takes plain integers; a negative pid names the
        // process group, which the child created with setsid.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Spawns, retrying briefly on ETXTBSY: a script written just before may
/// still be open for writing in a child that another thread forked and has
/// not yet exec'd, which makes exec fail although nobody writes to it.
fn spawn(command: &mut std::process::Command) -> io::Result<std::process::Child> {
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(err) if err.raw_os_error() == Some(libc::ETXTBSY) && attempts < 10 => {
                attempts += 1;
                thread::sleep(Duration::from_millis(5 << attempts.min(5)));
            }
            other => return other,
        }
    }
}

fn command(spec: &Spec) -> io::Result<std::process::Command> {
    let (program, args) = spec
        .argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let mut command = std::process::Command::new(program);
    command
        .args(args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)));
    let credentials = spec.credentials.clone();
    let umask = spec.umask;
    // SAFETY: the closure runs in the forked child before exec. It only
    // makes async-signal-safe system calls and reads data that was
    // allocated before the fork; it allocates nothing.
    unsafe {
        command.pre_exec(move || child_setup(credentials.as_ref(), umask));
    }
    Ok(command)
}

/// In the child, between fork and exec.
fn child_setup(credentials: Option<&Credentials>, umask: Option<libc::mode_t>) -> io::Result<()> {
    // SAFETY: plain system calls on integers and on a slice owned by the
    // caller; see `command` for why this is sound after fork.
    unsafe {
        if libc::setsid() == -1 {
            return Err(io::Error::last_os_error());
        }
        if let Some(c) = credentials {
            // Groups first: after setuid we may no longer change them.
            if libc::setgroups(c.groups.len() as _, c.groups.as_ptr()) == -1
                || libc::setgid(c.gid) == -1
                || libc::setuid(c.uid) == -1
            {
                return Err(io::Error::last_os_error());
            }
        }
        if let Some(mask) = umask {
            libc::umask(mask);
        }
    }
    Ok(())
}

fn returncode(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => -signal,
        (None, None) => -1,
    }
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

enum Event {
    Output(Stream, Vec<u8>),
    Exited(io::Result<ExitStatus>),
}

/// What the main loop still waits for.
struct Pending {
    exit: bool,
    stdout: bool,
    stderr: bool,
}

impl Pending {
    fn any(&self) -> bool {
        self.exit || self.stdout || self.stderr
    }
}

/// Starts helper threads and remembers the first failure to start one, so
/// the caller can kill the child instead of leaving it unattended.
#[derive(Default)]
struct Threads {
    failed: Option<io::Error>,
}

impl Threads {
    fn spawn(&mut self, name: &str, f: impl FnOnce() + Send + 'static) {
        if self.failed.is_some() {
            return;
        }
        if let Err(err) = thread::Builder::new().name(name.to_owned()).spawn(f) {
            self.failed = Some(err);
        }
    }

    fn spawn_reader(
        &mut self,
        name: &str,
        mut reader: PipeReader,
        stream: Stream,
        events: mpsc::Sender<Event>,
    ) {
        self.spawn(name, move || {
            let mut bytes = Vec::new();
            // A read error ends the stream like end-of-file does; what was
            // read so far is still the command's output.
            let _ = reader.read_to_end(&mut bytes);
            let _ = events.send(Event::Output(stream, bytes));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn spec(argv: &[&str]) -> Spec {
        Spec {
            argv: argv.iter().map(OsString::from).collect(),
            cwd: PathBuf::from("/"),
            env: vec![(
                OsString::from("PATH"),
                OsString::from("/usr/local/bin:/usr/bin:/bin"),
            )],
            stdin: None,
            merge_stderr: false,
            credentials: None,
            umask: None,
            timeout: None,
        }
    }

    fn finished(outcome: Outcome) -> Finished {
        match outcome {
            Outcome::Finished(f) => f,
            other => panic!("expected the command to finish, got {other:?}"),
        }
    }

    fn run_ok(spec: &Spec) -> Finished {
        finished(run(spec, &AtomicBool::new(false)).unwrap())
    }

    /// True when `pid` no longer runs (gone, or a zombie nobody reaped yet,
    /// which happens in containers whose init does not reap orphans).
    fn is_dead(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
        }
    }

    #[test]
    fn captures_output_and_exit_code() {
        let done = run_ok(&spec(&["sh", "-c", "echo out; echo err >&2; exit 3"]));
        assert_eq!(
            (
                done.stdout.as_slice(),
                done.stderr.as_slice(),
                done.returncode
            ),
            (&b"out\n"[..], &b"err\n"[..], 3)
        );
        assert!(done.pid > 0);
    }

    #[test]
    fn merged_stderr_keeps_the_interleaving() {
        let mut s = spec(&["sh", "-c", "echo 1; echo 2 >&2; echo 3"]);
        s.merge_stderr = true;
        let done = run_ok(&s);
        assert_eq!(
            (done.stdout.as_slice(), done.stderr.as_slice()),
            (&b"1\n2\n3\n"[..], &b""[..])
        );
    }

    #[test]
    fn a_signal_gives_a_negative_returncode() {
        let done = run_ok(&spec(&["sh", "-c", "kill -9 $$"]));
        assert_eq!(done.returncode, -9);
    }

    #[test]
    fn large_output_on_both_pipes_and_large_stdin_do_not_deadlock() {
        // stderr first: a reader that drained stdout before stderr would
        // block forever once the stderr pipe buffer (64 KiB) is full.
        let mut s = spec(&[
            "sh",
            "-c",
            "head -c 2000000 /dev/zero | tr '\\0' e >&2; cat; head -c 1500000 /dev/zero | tr '\\0' o",
        ]);
        s.stdin = Some(vec![b'i'; 3_000_000]);
        let done = run_ok(&s);
        assert_eq!(done.stderr.len(), 2_000_000);
        assert_eq!(done.stdout.len(), 4_500_000);
        assert!(done.stdout[..3_000_000].iter().all(|&b| b == b'i'));
        assert!(done.stdout[3_000_000..].iter().all(|&b| b == b'o'));
    }

    #[test]
    fn timeout_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let script = format!("sleep 30 & echo $! > {}; sleep 30", pid_file.display());
        let mut s = spec(&["sh", "-c", &script]);
        s.timeout = Some(Duration::from_millis(500));
        let outcome = run(&s, &AtomicBool::new(false)).unwrap();
        assert!(matches!(outcome, Outcome::TimedOut { .. }), "{outcome:?}");
        let grandchild: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // SIGKILL is delivered before kill(2) returns, but the kernel may
        // take a moment to tear the process down.
        let gone = (0..250).any(|_| {
            let dead = is_dead(grandchild);
            if !dead {
                thread::sleep(Duration::from_millis(20));
            }
            dead
        });
        assert!(gone, "grandchild {grandchild} survived the timeout");
    }

    #[test]
    fn cancel_flag_from_another_thread_stops_the_command() {
        let cancel = Arc::new(AtomicBool::new(false));
        let setter = {
            let cancel = cancel.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(200));
                cancel.store(true, Ordering::Relaxed);
            })
        };
        let outcome = run(&spec(&["sleep", "30"]), &cancel).unwrap();
        setter.join().unwrap();
        let Outcome::Cancelled { pid } = outcome else {
            panic!("expected cancellation, got {outcome:?}")
        };
        let pid = i32::try_from(pid).unwrap();
        assert!((0..250).any(|_| is_dead(pid) || {
            thread::sleep(Duration::from_millis(20));
            false
        }));
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = run(&spec(&["/nonexistent/program"]), &AtomicBool::new(false)).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn env_cwd_and_umask_reach_the_child() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(&["sh", "-c", "echo \"$GREETING\"; pwd; umask"]);
        s.env
            .push((OsString::from("GREETING"), OsString::from("hi there")));
        s.cwd = dir.path().canonicalize().unwrap();
        s.umask = Some(0o027);
        let done = run_ok(&s);
        let expected = format!("hi there\n{}\n0027\n", s.cwd.display());
        assert_eq!(String::from_utf8(done.stdout).unwrap(), expected);
    }

    #[test]
    fn child_runs_in_its_own_session() {
        let done = run_ok(&spec(&["sh", "-c", "cut -d' ' -f6 /proc/$$/stat; echo $$"]));
        let text = String::from_utf8(done.stdout).unwrap();
        let mut lines = text.lines();
        // Field 6 of /proc/pid/stat is the session id.
        let (session, own_pid) = (lines.next().unwrap(), lines.next().unwrap());
        assert_eq!(session, own_pid);
    }

    #[test]
    fn detached_command_runs_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("done");
        let s = spec(&["sh", "-c", &format!("touch {}", marker.display())]);
        let pid = spawn_detached(&s).unwrap();
        assert!(pid > 0);
        assert!((0..250).any(|_| marker.exists() || {
            thread::sleep(Duration::from_millis(20));
            false
        }));
    }
}
