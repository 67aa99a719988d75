#!/usr/bin/env python3
"""halite vs Salt, side by side: the same fleets of real minion processes on
127.0.0.1, the same CLI round trips, the same memory readings; then halite
alone against a `halite swarm` of thousands of simulated minions.

Python 3.11 standard library only. Normally started by `bench/run.sh`, which
builds halite and prepares Salt's virtualenv first; see bench/README.md.

Every daemon runs in its own session (so a Ctrl-C on the terminal reaches
only this script) and this script is a child subreaper (so a daemon's
orphaned children are re-parented to it); whatever happens, every process
it started is terminated before it exits.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import math
import os
import platform
import pwd
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent

# The targets, checked against halite's numbers.
TARGET_SWARM_PING_S = 0.5
TARGET_SWARM_PING_N = 10_000
TARGET_CLI_ONE_MINION_MS = 30.0
TARGET_IDLE_MINION_MB = 10.0
TARGET_MASTER_MB = 300.0
TARGET_MASTER_N = 10_000

# Seconds to let a fleet settle after its jobs before reading idle memory
# (Salt's per-job processes must have exited).
SETTLE_S = 3.0


class BenchError(Exception):
    """A stage of the bench failed; the message says what and shows logs."""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# /proc helpers


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat from field 3 (state) on; None if the process is gone.
    The command name before it is in parentheses and may contain spaces."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def _identity(pid: int) -> tuple[int, str] | None:
    """(pid, start time): unlike a bare pid, never names a later process."""
    fields = _stat_fields(pid)
    return (pid, fields[19]) if fields else None


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            kids.setdefault(int(fields[1]), []).append(int(entry.name))
    return kids


def process_tree(pid: int, kids: dict[int, list[int]] | None = None) -> list[int]:
    """`pid` and all its descendants that exist now."""
    return [p for p, _ in process_tree_depths(pid, kids)]


def process_tree_depths(pid: int, kids: dict[int, list[int]] | None = None) -> list[tuple[int, int]]:
    """(pid, depth below `pid`) for `pid` and its descendants that exist now."""
    kids = children_map() if kids is None else kids
    tree, todo = [], [(pid, 0)]
    while todo:
        p, depth = todo.pop()
        if Path(f"/proc/{p}").exists():
            tree.append((p, depth))
        todo.extend((k, depth + 1) for k in kids.get(p, []))
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads, so far."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # utime and stime are fields 14 and 15 of proc(5); the list starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this script's children that have exited and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Memory:
    """Memory of one process tree, in MB (1 MB = 1024 KiB, as /proc counts)."""

    rss_mb: float
    pss_mb: float
    processes: int
    # Of rss_mb: private memory (heap, stacks), as opposed to mapped files
    # (the executable, shared libraries) that other processes share.
    rss_anon_mb: float = 0.0

    # Job processes still in the tree, not counted (see of_tree).
    job_processes: int = 0

    @staticmethod
    def of_tree(pid: int, kids: dict[int, list[int]] | None = None, idle_depth: int | None = None) -> "Memory":
        """The daemon's own processes, without per-job processes: a Salt
        minion forks one per job and those linger for tens of seconds after
        the return was sent, which would make an idle minion look 3-6x
        bigger. A job process is one Salt titled as such, or one deeper in
        the tree than the daemon's idle shape (`idle_depth`: a just-forked
        job still carries its parent's title)."""
        tree = process_tree_depths(pid, kids)
        jobs = {p for p, depth in tree if is_job_process(p) or (idle_depth is not None and depth > idle_depth)}
        daemon = [p for p, _ in tree if p not in jobs]
        rss = sum(_status_kb(p, "VmRSS") for p in daemon)
        pss = sum(_pss_kb(p) for p in daemon)
        anon = sum(_status_kb(p, "RssAnon") for p in daemon)
        return Memory(round(rss / 1024, 2), round(pss / 1024, 2), len(daemon), round(anon / 1024, 2), len(jobs))


def is_job_process(pid: int) -> bool:
    """Salt titles a job's process `... ProcessPayload(jid=...) ...`."""
    try:
        return b"ProcessPayload(" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


# --------------------------------------------------------------------------
# Processes we start, and their guaranteed end


def become_subreaper() -> None:
    """Orphans of our daemons are re-parented to us instead of init, so the
    final sweep can still find (and kill) them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_CHILD_SUBREAPER = 36
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Daemon:
    """One long-running process (with whatever children it forks)."""

    registry: list["Daemon"] = []

    def __init__(self, name: str, argv: list[str], log_path: Path, extra_logs: list[Path] | None = None,
                 env: dict[str, str] | None = None, idle_depth: int | None = None):
        self.name = name
        # How deep the daemon's own process tree goes when it runs no job.
        self.idle_depth = idle_depth
        self.argv = argv
        self.log_path = log_path
        self.extra_logs = extra_logs or []
        self.env = env
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Daemon":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            try:
                self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                              start_new_session=True, env=self.env)
            except OSError as err:
                raise BenchError(f"cannot start {self.name} ({' '.join(self.argv)}): {err}") from err
        Daemon.registry.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def memory(self, kids: dict[int, list[int]] | None = None) -> Memory:
        return Memory.of_tree(self.pid, kids, self.idle_depth)

    def log_tail(self, lines: int = 30) -> str:
        parts = []
        for path in [self.log_path, *self.extra_logs]:
            try:
                text = path.read_text(errors="replace").splitlines()
            except OSError:
                continue
            if text:
                parts.append(f"--- last {min(lines, len(text))} lines of {path} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts) if parts else f"(no output in {self.log_path})"

    def ensure_alive(self) -> None:
        if not self.alive():
            code = self.popen.returncode if self.popen else None
            raise BenchError(f"{self.name} exited (status {code}) — {' '.join(self.argv)}\n{self.log_tail()}")

    def signal_tree(self, sig: int, kids: dict[int, list[int]] | None = None) -> None:
        if self.popen is None:
            return
        for p in process_tree(self.pid, kids):
            _kill(p, sig)
        # The daemon's session/group also holds children re-parented away
        # from its tree. Its id is the daemon's pid, which stays ours (at
        # worst a zombie) until Popen reaps it; after that, leave it alone.
        if self.popen.returncode is None:
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass


def stop_daemons(daemons: list[Daemon], grace_s: float = 15.0) -> None:
    """SIGTERM every tree, wait for them to exit, then SIGKILL what is left."""
    live = [d for d in daemons if d.popen is not None]
    if not live:
        return
    kids = children_map()
    # Who was in each tree, by identity: a process that exits early has its
    # pid reused some day, and must not be killed under its new name.
    trees = {d: [i for i in map(_identity, process_tree(d.pid, kids)) if i] for d in live}
    for d in live:
        d.signal_tree(signal.SIGTERM, kids)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap_orphans()
        if all(d.popen.poll() is not None for d in live) and not any(_running(i) for t in trees.values() for i in t):
            break
        time.sleep(0.1)
    else:
        kids = children_map()
        for d in live:
            d.signal_tree(signal.SIGKILL, kids)
            for ident in trees[d]:
                if _running(ident):
                    _kill(ident[0], signal.SIGKILL)
        for d in live:
            try:
                d.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
    _reap_orphans()
    for d in live:
        if d in Daemon.registry:
            Daemon.registry.remove(d)


def _running(ident: tuple[int, str]) -> bool:
    """The process `ident` names still runs (is neither gone nor a zombie)."""
    fields = _stat_fields(ident[0])
    return fields is not None and fields[19] == ident[1] and fields[0] != "Z"


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _reap_orphans() -> None:
    """Collect exit statuses of re-parented orphans (we are their subreaper)."""
    tracked = {d.pid for d in Daemon.registry if d.popen is not None}
    kids = children_map().get(os.getpid(), [])
    for p in kids:
        if p in tracked:
            continue
        try:
            os.waitpid(p, os.WNOHANG)
        except ChildProcessError:
            pass


def stop_everything() -> None:
    """The last line of defence: every daemon still registered, then any
    process still parented to us (an orphan we inherited as subreaper)."""
    stop_daemons(list(Daemon.registry), grace_s=10.0)
    for attempt in range(3):
        kids = children_map()
        mine = [p for p in process_tree(os.getpid(), kids) if p != os.getpid()]
        if not mine:
            return
        for p in mine:
            _kill(p, signal.SIGTERM if attempt == 0 else signal.SIGKILL)
        time.sleep(1.0)
        _reap_orphans()


# --------------------------------------------------------------------------
# Small utilities


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that were free a moment ago on 127.0.0.1."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(what: str, cond: Callable[[], bool], timeout_s: float, watch: list[Daemon],
               interval_s: float = 0.2) -> float:
    """Polls `cond` until it holds; returns the seconds it took. Fails early
    (with the log tail) if a watched daemon dies, or after `timeout_s`."""
    start = time.monotonic()
    deadline = start + timeout_s
    while True:
        for d in watch:
            d.ensure_alive()
        if cond():
            return time.monotonic() - start
        if time.monotonic() > deadline:
            tails = "\n".join(d.log_tail(15) for d in watch[:3])
            raise BenchError(f"timed out after {timeout_s:.0f} s waiting for {what}\n{tails}")
        time.sleep(interval_s)


def run_cli(argv: list[str], timeout_s: float, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Runs a CLI command; returns (wall seconds, result)."""
    start = time.perf_counter()
    try:
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired as err:
        raise BenchError(f"timed out after {timeout_s:.0f} s: {' '.join(argv)}") from err
    return time.perf_counter() - start, res


def json_docs(text: str) -> list:
    """Every JSON document in `text` (the CLIs print one per minion)."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)


def returned_ids(stdout: str) -> set[str]:
    ids: set[str] = set()
    for doc in json_docs(stdout):
        if isinstance(doc, dict):
            ids.update(doc.keys())
    return ids


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (p90 of 10 samples is the 9th smallest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class RunFailed(Exception):
    """One measured command gave a wrong result (a minion missing, a
    non-zero exit); it took `secs`. The bench records it and goes on."""

    def __init__(self, secs: float, detail: str):
        super().__init__(detail)
        self.secs = secs
        self.detail = detail


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    # Runs that gave a wrong result: not in samples_ms, listed here.
    failures: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        out: dict = {"samples_ms": [round(s, 2) for s in self.samples_ms], "median_ms": None, "p90_ms": None}
        if self.samples_ms:
            out.update({
                "median_ms": round(statistics.median(self.samples_ms), 2),
                "p90_ms": round(percentile(self.samples_ms, 0.9), 2),
                "min_ms": round(min(self.samples_ms), 2),
                "max_ms": round(max(self.samples_ms), 2),
            })
        out["failed_runs"] = len(self.failures)
        if self.failures:
            out["failures"] = self.failures
        return out


def measure(what: str, once: Callable[[], float], reps: int, warmups: int) -> Timing:
    """`warmups` unmeasured calls, then `reps` measured ones; each returns
    its wall seconds or raises RunFailed. Failed runs (warm-ups included)
    are recorded and left out of the statistics; if every measured run
    fails the stage fails."""
    timing = Timing()
    for i in range(warmups + reps):
        warmup = i < warmups
        try:
            secs = once()
        except RunFailed as err:
            label = f"warm-up {i + 1}" if warmup else f"run {i - warmups + 1}"
            log(f"  {what}: {label} FAILED after {err.secs * 1000:.0f} ms: {err.detail.splitlines()[0]}")
            timing.failures.append({"run": label, "ms": round(err.secs * 1000, 1), "detail": err.detail})
            continue
        if not warmup:
            timing.samples_ms.append(secs * 1000)
    s = timing.summary()
    if not timing.samples_ms:
        raise BenchError(f"{what}: every run failed; the last: {timing.failures[-1]['detail']}")
    failed = f", {len(timing.failures)} failed run(s)" if timing.failures else ""
    log(f"  {what}: median {s['median_ms']:.1f} ms, p90 {s['p90_ms']:.1f} ms{failed}")
    return timing


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# --------------------------------------------------------------------------
# halite


class HaliteMaster:
    def __init__(self, binary: Path, root: Path, log_level: str, extra: str = ""):
        self.binary = binary
        self.root = root
        self.conf_dir = root / "master"
        self.port = free_ports(1)[0]
        write(self.conf_dir / "master", (
            f"root_dir: {root / 'master-root'}\n"
            "interface: 127.0.0.1\n"
            f"ret_port: {self.port}\n"
            f"log_level: {log_level}\n"
            f"{extra}"
        ))
        self.daemon = Daemon("halite master", [str(binary), "master", "-c", str(self.conf_dir)], root / "master.out",
                             [root / "master-root/var/log/halite/master"])

    def start(self, timeout_s: float) -> None:
        self.daemon.start()
        wait_until("the halite master to listen and answer on its socket",
                   lambda: tcp_open(self.port) and self.cli(["run", "manage.up", "--out", "json"], 10)[1].returncode == 0,
                   timeout_s, [self.daemon])

    def cli(self, args: list[str], timeout_s: float) -> tuple[float, subprocess.CompletedProcess]:
        """`halite [SUB] -c CONF ARGS`: `-c` goes after a subcommand's name."""
        if args and args[0] in ("key", "run", "call"):
            argv = [str(self.binary), args[0], "-c", str(self.conf_dir), *args[1:]]
        else:
            argv = [str(self.binary), "-c", str(self.conf_dir), *args]
        return run_cli(argv, timeout_s)

    def up(self) -> list[str]:
        _, res = self.cli(["run", "manage.up", "--out", "json"], 60)
        try:
            up = json.loads(res.stdout)
        except json.JSONDecodeError:
            return []
        return up if isinstance(up, list) else []

    def keys(self) -> dict:
        _, res = self.cli(["key", "-L", "--out", "json"], 30)
        try:
            keys = json.loads(res.stdout)
        except json.JSONDecodeError:
            return {}
        return keys if isinstance(keys, dict) else {}


class HaliteFleet:
    """A halite master and N `halite minion` processes."""

    system = "halite"

    def __init__(self, binary: Path, root: Path, n: int, log_level: str):
        self.n = n
        self.master = HaliteMaster(binary, root, log_level)
        self.ids = [f"halite-m{i}" for i in range(n)]
        self.minions: list[Daemon] = []
        for mid in self.ids:
            conf = root / mid
            write(conf / "minion", (
                f"root_dir: {conf / 'root'}\n"
                "master: 127.0.0.1\n"
                f"master_port: {self.master.port}\n"
                f"id: {mid}\n"
                f"log_level: {log_level}\n"
                # Keys are accepted by `halite key -A` once all are pending;
                # retry soon after instead of Salt's default 10 s.
                "acceptance_wait_time: 0.5\n"
            ))
            self.minions.append(Daemon(f"halite minion {mid}", [str(binary), "minion", "-c", str(conf)],
                                       conf / "minion.out", [conf / "root/var/log/halite/minion"], idle_depth=0))

    def daemons(self) -> list[Daemon]:
        return [self.master.daemon, *self.minions]

    def start(self) -> float:
        t0 = time.monotonic()
        self.master.start(30)
        for m in self.minions:
            m.start()
        watch = self.daemons()
        wanted = set(self.ids)

        def all_pending() -> bool:
            keys = self.master.keys()
            return wanted <= set(keys.get("minions_pre", [])) | set(keys.get("minions", []))

        wait_until(f"{self.n} halite minion keys to reach the master", all_pending, 60 + self.n, watch, 0.1)
        _, res = self.master.cli(["key", "-A", "-y"], 30)
        if res.returncode != 0:
            raise BenchError(f"`halite key -A -y` failed ({res.returncode}): {res.stderr.strip()}")
        wait_until(f"{self.n} halite minions in manage.up", lambda: wanted <= set(self.master.up()), 60 + self.n,
                   watch, 0.1)
        return time.monotonic() - t0

    def job(self, fun: str, args: list[str]) -> float:
        secs, res = self.master.cli(["*", fun, *args, "--out", "json", "-t", "30"], 120)
        check_returns("halite", fun, secs, res, set(self.ids))
        return secs

    def master_memory(self, kids) -> Memory:
        return self.master.daemon.memory(kids)

    def stop(self) -> None:
        stop_daemons(self.daemons())


# --------------------------------------------------------------------------
# Salt


class SaltFleet:
    """A salt-master and N salt-minion processes, all as the current user."""

    system = "salt"

    def __init__(self, venv: Path, root: Path, n: int, log_level: str):
        self.venv = venv
        self.n = n
        self.root = root
        self.ids = [f"salt-m{i}" for i in range(n)]
        self.pub_port, self.ret_port = free_ports(2)
        user = os_user()
        self.conf_dir = root / "master"
        mroot = root / "master-root"
        write(self.conf_dir / "master", (
            f"root_dir: {mroot}\n"
            f"user: {user}\n"
            "interface: 127.0.0.1\n"
            f"publish_port: {self.pub_port}\n"
            f"ret_port: {self.ret_port}\n"
            "auto_accept: True\n"
            f"pki_dir: {mroot}/pki\n"
            f"cachedir: {mroot}/cache\n"
            f"sock_dir: {mroot}/sock\n"
            f"pidfile: {mroot}/salt-master.pid\n"
            f"log_file: {mroot}/log/master\n"
            f"key_logfile: {mroot}/log/key\n"
            f"log_level: {log_level}\n"
            f"log_level_logfile: {log_level}\n"
            f"file_roots: {{base: [{mroot}/srv/salt]}}\n"
            f"pillar_roots: {{base: [{mroot}/srv/pillar]}}\n"
        ))
        self.master = Daemon("salt-master", [str(venv / "bin/salt-master"), "-c", str(self.conf_dir)], root / "master.out",
                             [mroot / "log/master"], env=salt_env())
        self.minions: list[Daemon] = []
        for mid in self.ids:
            conf = root / mid
            r = conf / "root"
            write(conf / "minion", (
                f"root_dir: {r}\n"
                f"user: {user}\n"
                f"id: {mid}\n"
                "master: 127.0.0.1\n"
                f"master_port: {self.ret_port}\n"
                f"publish_port: {self.pub_port}\n"
                f"pki_dir: {r}/pki\n"
                f"cachedir: {r}/cache\n"
                f"sock_dir: {r}/sock\n"
                f"pidfile: {r}/salt-minion.pid\n"
                f"log_file: {r}/log/minion\n"
                f"log_level: {log_level}\n"
                f"log_level_logfile: {log_level}\n"
                f"file_roots: {{base: [{r}/srv/salt]}}\n"
                f"pillar_roots: {{base: [{r}/srv/pillar]}}\n"
                # Startup only: no effect on the measured round trips.
                "acceptance_wait_time: 1\n"
                "random_reauth_delay: 0\n"
                "enable_fqdns_grains: False\n"
                "enable_gpu_grains: False\n"
            ))
            self.minions.append(Daemon(f"salt-minion {mid}", [str(venv / "bin/salt-minion"), "-c", str(conf)],
                                       conf / "minion.out", [r / "log/minion"], env=salt_env(),
                                       idle_depth=1))

    def daemons(self) -> list[Daemon]:
        return [self.master, *self.minions]

    def cli(self, tool: str, args: list[str], timeout_s: float) -> tuple[float, subprocess.CompletedProcess]:
        return run_cli([str(self.venv / "bin" / tool), "-c", str(self.conf_dir), *args], timeout_s, env=salt_env())

    def start(self) -> float:
        t0 = time.monotonic()
        self.master.start()
        wait_until("salt-master to listen on its ports",
                   lambda: tcp_open(self.ret_port) and tcp_open(self.pub_port), 90, [self.master], 0.2)
        for m in self.minions:
            m.start()
        watch = self.daemons()
        wanted = set(self.ids)

        def all_accepted() -> bool:
            _, res = self.cli("salt-key", ["-L", "--out", "json"], 60)
            try:
                return wanted <= set(json.loads(res.stdout).get("minions", []))
            except (json.JSONDecodeError, AttributeError):
                return False

        # Python start-up of N minions on a small machine: allow for it.
        wait_until(f"{self.n} salt-minion keys accepted (auto_accept)", all_accepted, 120 + 6 * self.n, watch, 0.5)

        def all_ping() -> bool:
            _, res = self.cli("salt", ["*", "test.ping", "--out", "json", "-t", "10"], 120)
            return wanted <= returned_ids(res.stdout)

        wait_until(f"`salt '*' test.ping` to answer from all {self.n} minions", all_ping, 120 + 3 * self.n, watch, 0.5)
        return time.monotonic() - t0

    def job(self, fun: str, args: list[str]) -> float:
        secs, res = self.cli("salt", ["*", fun, *args, "--out", "json", "-t", "30"], 120)
        check_returns("salt", fun, secs, res, set(self.ids))
        return secs

    def master_memory(self, kids) -> Memory:
        return self.master.memory(kids)

    def stop(self) -> None:
        # A salt-minion takes ~10 s to honour SIGTERM while job processes
        # linger (see Memory.of_tree); after that, SIGKILL.
        stop_daemons(self.daemons(), grace_s=12.0)


def os_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def salt_env() -> dict[str, str]:
    """The environment for Salt's processes: ours, minus a PYTHONPATH that
    could shadow the virtualenv's packages."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def check_returns(system: str, fun: str, secs: float, res: subprocess.CompletedProcess, wanted: set[str]) -> None:
    try:
        got = returned_ids(res.stdout)
    except json.JSONDecodeError:
        got = set()
    missing = wanted - got
    if res.returncode != 0 or missing:
        some = ", ".join(sorted(missing)[:5])
        raise RunFailed(secs, f"{system} '*' {fun}: exit {res.returncode}, {len(missing)} of {len(wanted)} minions "
                              f"missing{' (' + some + ')' if some else ''}\nstderr: {res.stderr.strip()[-2000:]}\n"
                              f"stdout: {res.stdout.strip()[-1000:]}")


# --------------------------------------------------------------------------
# Stages


def bench_fleet(fleet, reps: int, warmups: int) -> dict:
    """Start the fleet, time the round trips, read idle memory, stop it."""
    result: dict = {"system": fleet.system, "minions": fleet.n}
    log(f"{fleet.system}: starting a master and {fleet.n} minion process(es)")
    try:
        result["startup_s"] = round(fleet.start(), 2)
        log(f"  all {fleet.n} up after {result['startup_s']:.1f} s")
        result["test_ping"] = measure("'*' test.ping", lambda: fleet.job("test.ping", []), reps, warmups).summary()
        result["cmd_run_true"] = measure("'*' cmd.run /bin/true", lambda: fleet.job("cmd.run", ["/bin/true"]), reps,
                                         warmups).summary()
        time.sleep(SETTLE_S)
        kids = children_map()
        master = fleet.master_memory(kids)
        minions = [m.memory(kids) for m in fleet.minions]
        result["master_memory"] = master.__dict__
        result["minion_memory"] = {
            "rss_mb_median": round(statistics.median(m.rss_mb for m in minions), 2),
            "rss_mb_max": round(max(m.rss_mb for m in minions), 2),
            "pss_mb_median": round(statistics.median(m.pss_mb for m in minions), 2),
            "rss_anon_mb_median": round(statistics.median(m.rss_anon_mb for m in minions), 2),
            "processes_per_minion": round(statistics.median(m.processes for m in minions), 1),
            "lingering_job_processes": sum(m.job_processes for m in minions),
        }
        log(f"  master {master.rss_mb:.1f} MB RSS ({master.processes} processes), idle minion "
            f"{result['minion_memory']['rss_mb_median']:.1f} MB RSS "
            f"({result['minion_memory']['processes_per_minion']} process(es))")
    except BenchError as err:
        result["error"] = str(err)
        log(f"  FAILED: {err}")
    finally:
        fleet.stop()
    return result


def log_warnings(path: Path) -> dict:
    """How many WARN/ERROR lines a halite log holds, and the first one."""
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if " WARN " in l or " ERROR " in l]
    except OSError:
        lines = []
    return {"count": len(lines), "first": lines[0] if lines else None}


def swarm_diagnosis(master: HaliteMaster, n: int) -> str:
    """What the job cache and the registry say right after a failed run:
    `--out quiet` prints nothing, so ask for the newest job's returns."""
    try:
        _, res = master.cli(["run", "jobs.list_jobs", "--out", "json"], 120)
        jid = max(json.loads(res.stdout))
        _, res = master.cli(["run", "jobs.lookup_jid", jid, "--out", "json"], 120)
        returns = json.loads(res.stdout)
        not_true = sorted(k for k, v in returns.items() if v is not True)
        returned = set(returns)
        missing = sorted({f"swarm-{i}" for i in range(n)} - returned, key=lambda m: int(m.rsplit("-", 1)[1]))
        up = len(master.up())
        return (f"job {jid}: {len(returned)} of {n} returns in the job cache"
                f"{' (missing: ' + ', '.join(missing[:10]) + (' ...' if len(missing) > 10 else '') + ')' if missing else ''}"
                f"{', not True: ' + ', '.join(not_true[:5]) if not_true else ''}; {up} minions up now")
    except (BenchError, json.JSONDecodeError, ValueError, AttributeError) as err:
        return f"(no diagnosis: {err})"


def bench_swarm(binary: Path, root: Path, n: int, reps: int, warmups: int, log_level: str) -> dict:
    result: dict = {"swarm_minions": n}
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if nofile != resource.RLIM_INFINITY and nofile < n + 256:
        result["error"] = (f"open-file limit {nofile} is too low for a swarm of {n} (master and swarm each need "
                           f"~1 fd per minion); raise it with `ulimit -n` (run.sh tries 65536)")
        log(f"swarm {n}: SKIPPED: {result['error']}")
        return result
    master = HaliteMaster(binary, root, log_level, extra="auto_accept: True\n")
    swarm = Daemon(f"halite swarm {n}", [str(binary), "swarm", str(n), "--master", "127.0.0.1", "--master-port",
                                         str(master.port)], root / "swarm.out")
    log(f"halite swarm: master + {n} simulated minions")
    try:
        master.start(30)
        swarm.start()
        last_count = [0]

        def all_up() -> bool:
            last_count[0] = len(master.up())
            return last_count[0] >= n

        try:
            connect = wait_until(f"{n} swarm minions in manage.up", all_up, 120 + n / 20, [master.daemon, swarm], 0.5)
        except BenchError as err:
            raise BenchError(f"{err}\n(only {last_count[0]} of {n} were up)") from err
        result["connect_all_s"] = round(connect, 2)
        warnings = log_warnings(swarm.log_path)
        result["swarm_warnings_while_connecting"] = warnings
        log(f"  all {n} connected after {connect:.1f} s"
            + (f" ({warnings['count']} warnings from the swarm, e.g. {warnings['first']!r})" if warnings["count"] else ""))

        def ping() -> float:
            secs, res = master.cli(["*", "test.ping", "--out", "quiet", "-t", "30"], 300)
            if res.returncode != 0:
                raise RunFailed(secs, f"halite '*' test.ping to {n} swarm minions: exit {res.returncode}; "
                                      f"{swarm_diagnosis(master, n)}\nstderr: {res.stderr.strip()[-2000:]}")
            return secs

        result["master_memory_before_jobs"] = master.daemon.memory().__dict__
        cpu_before = cpu_seconds(master.daemon.pid), cpu_seconds(swarm.pid), children_cpu_seconds()
        result["test_ping"] = measure(f"'*' test.ping to {n}", ping, reps, warmups).summary()
        # Where the time goes on a small machine: both processes share its CPUs.
        per_ping = reps + warmups
        result["master_cpu_ms_per_ping"] = round((cpu_seconds(master.daemon.pid) - cpu_before[0]) * 1000 / per_ping, 1)
        result["swarm_cpu_ms_per_ping"] = round((cpu_seconds(swarm.pid) - cpu_before[1]) * 1000 / per_ping, 1)
        # The CLI processes are the only children reaped meanwhile.
        result["cli_cpu_ms_per_ping"] = round((children_cpu_seconds() - cpu_before[2]) * 1000 / per_ping, 1)
        log(f"  CPU per ping: master {result['master_cpu_ms_per_ping']:.0f} ms, swarm process "
            f"{result['swarm_cpu_ms_per_ping']:.0f} ms, CLI {result['cli_cpu_ms_per_ping']:.0f} ms")
        kids = children_map()
        result["master_memory"] = master.daemon.memory(kids).__dict__
        result["swarm_process_memory"] = swarm.memory(kids).__dict__
        result["master_warnings"] = log_warnings(master.daemon.log_path)
        log(f"  master {result['master_memory']['rss_mb']:.1f} MB RSS with {n} connected; swarm process "
            f"{result['swarm_process_memory']['rss_mb']:.1f} MB")
    except BenchError as err:
        result["error"] = str(err)
        log(f"  FAILED: {err}")
    finally:
        stop_daemons([swarm, master.daemon])
    return result


# --------------------------------------------------------------------------
# Report


def fmt(v, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.1f}{unit}" if v >= 10 or v == 0 else f"{v:.2f}{unit}"
    return f"{v}{unit}"


def dig(d: dict | None, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def build_rows(results: dict) -> list[tuple[str, object, object, str]]:
    """(metric, halite, salt, target) rows; None where not measured."""
    rows: list[tuple[str, object, object, str]] = []
    fleets = results["fleets"]
    sizes = sorted({f["minions"] for f in fleets})
    pick = lambda system, n: next((f for f in fleets if f["system"] == system and f["minions"] == n), None)
    for n in sizes:
        h, s = pick("halite", n), pick("salt", n)
        label = f"{n} minion{'s' if n != 1 else ''}"
        tgt_cli = f"≤ {TARGET_CLI_ONE_MINION_MS:.0f} ms" if n == 1 else ""
        tgt_min = f"≤ {TARGET_IDLE_MINION_MB:.0f} MB" if n == 1 else ""
        rows += [
            (f"[{label}] test.ping median (ms)", dig(h, "test_ping", "median_ms"), dig(s, "test_ping", "median_ms"), tgt_cli),
            (f"[{label}] test.ping p90 (ms)", dig(h, "test_ping", "p90_ms"), dig(s, "test_ping", "p90_ms"), ""),
            (f"[{label}] cmd.run /bin/true median (ms)", dig(h, "cmd_run_true", "median_ms"),
             dig(s, "cmd_run_true", "median_ms"), ""),
            (f"[{label}] cmd.run /bin/true p90 (ms)", dig(h, "cmd_run_true", "p90_ms"), dig(s, "cmd_run_true", "p90_ms"), ""),
            (f"[{label}] idle minion RSS (MB)", dig(h, "minion_memory", "rss_mb_median"),
             dig(s, "minion_memory", "rss_mb_median"), tgt_min),
            (f"[{label}] idle minion PSS (MB)", dig(h, "minion_memory", "pss_mb_median"),
             dig(s, "minion_memory", "pss_mb_median"), ""),
            (f"[{label}] master RSS (MB)", dig(h, "master_memory", "rss_mb"), dig(s, "master_memory", "rss_mb"), ""),
            (f"[{label}] master PSS (MB)", dig(h, "master_memory", "pss_mb"), dig(s, "master_memory", "pss_mb"), ""),
            (f"[{label}] start until all answer (s)", dig(h, "startup_s"), dig(s, "startup_s"), ""),
        ]
    for sw in results["swarm"]:
        n = sw["swarm_minions"]
        big = n == TARGET_SWARM_PING_N
        rows += [
            (f"[swarm {n}] test.ping median (ms)", dig(sw, "test_ping", "median_ms"), None,
             f"≤ {TARGET_SWARM_PING_S * 1000:.0f} ms" if big else ""),
            (f"[swarm {n}] test.ping p90 (ms)", dig(sw, "test_ping", "p90_ms"), None, ""),
            (f"[swarm {n}] master RSS, all connected, after pings (MB)", dig(sw, "master_memory", "rss_mb"), None,
             f"≤ {TARGET_MASTER_MB:.0f} MB" if n == TARGET_MASTER_N else ""),
            (f"[swarm {n}] all minions connected after (s)", dig(sw, "connect_all_s"), None, ""),
            (f"[swarm {n}] master CPU per test.ping (ms)", dig(sw, "master_cpu_ms_per_ping"), None, ""),
            (f"[swarm {n}] swarm process CPU per test.ping (ms)", dig(sw, "swarm_cpu_ms_per_ping"), None, ""),
            (f"[swarm {n}] CLI CPU per test.ping (ms)", dig(sw, "cli_cpu_ms_per_ping"), None, ""),
            (f"[swarm {n}] swarm process RSS (MB)", dig(sw, "swarm_process_memory", "rss_mb"), None, ""),
        ]
    return rows


def target_verdict(value, target: str) -> str:
    if not target or value is None:
        return ""
    limit = float(target.split()[1])
    return "ok" if value <= limit else "MISSED"


def render_table(rows) -> str:
    header = ("metric", "halite", "salt", "salt/halite", "target", "")
    body = []
    for metric, h, s, target in rows:
        ratio = f"{s / h:.1f}x" if isinstance(h, (int, float)) and isinstance(s, (int, float)) and h > 0 else "—"
        body.append((metric, fmt(h), fmt(s), ratio, target or "", target_verdict(h, target)))
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in body)])


# --------------------------------------------------------------------------
# Main


def parse_sizes(text: str) -> list[int]:
    if text.strip() in ("", "0", "none"):
        return []
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from err
    if any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


def version_of(argv: list[str]) -> str:
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (res.stdout or res.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def git_commit() -> str:
    try:
        res = subprocess.run(["git", "-C", str(BENCH_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        return res.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser(description="halite vs Salt: CLI round trips and memory, side by side.")
    ap.add_argument("--sizes", type=parse_sizes, default=[1, 10, 30], help="fleet sizes, real minion processes (1,10,30)")
    ap.add_argument("--swarm", type=parse_sizes, default=[1000, 10000], help="halite swarm sizes (1000,10000)")
    ap.add_argument("--reps", type=int, default=10, help="measured repetitions per metric (10)")
    ap.add_argument("--warmups", type=int, default=2, help="unmeasured runs before each metric (2)")
    ap.add_argument("--skip-salt", action="store_true", help="do not run Salt")
    ap.add_argument("--skip-halite", action="store_true", help="do not run halite fleets (Salt only; also skips the swarm)")
    ap.add_argument("--skip-swarm", action="store_true", help="do not run the halite swarm")
    ap.add_argument("--halite-bin", type=Path, default=BENCH_DIR.parent / "target/release/halite")
    ap.add_argument("--salt-venv", type=Path, default=Path(os.environ.get("SALT_VENV", BENCH_DIR / "venv")))
    ap.add_argument("--log-level", default="warning", help="daemons' log level (warning)")
    ap.add_argument("--results-dir", type=Path, default=BENCH_DIR / "results")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir with configs and logs")
    args = ap.parse_args()
    if args.reps < 1 or args.warmups < 0:
        ap.error("--reps must be at least 1 and --warmups at least 0")
    run_halite = not args.skip_halite
    run_swarm = run_halite and not args.skip_swarm and bool(args.swarm)
    if run_halite and not os.access(args.halite_bin, os.X_OK):
        ap.error(f"no halite binary at {args.halite_bin} (build it: cargo build --release -p halite)")
    if not args.skip_salt and not (args.salt_venv / "bin/salt-master").exists():
        ap.error(f"no Salt in {args.salt_venv} (run bench/run.sh, or set SALT_VENV)")

    become_subreaper()
    # SIGTERM/SIGHUP end the run like Ctrl-C does: through the finally
    # below. SIGINT too, explicitly: a shell starts background jobs with it
    # ignored, and Python then would not turn it into KeyboardInterrupt.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)

    started = dt.datetime.now()
    results: dict = {
        "meta": {
            "started": started.isoformat(timespec="seconds"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "git_commit": git_commit(),
            "halite": version_of([str(args.halite_bin), "--version"]) if run_halite else None,
            "salt": version_of([str(args.salt_venv / "bin/salt"), "--version"]) if not args.skip_salt else None,
            "reps": args.reps,
            "warmups": args.warmups,
            "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
            # Wall times mean little on a machine busy with other work.
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
        "fleets": [],
        "swarm": [],
    }
    work = Path(tempfile.mkdtemp(prefix="halite-bench-"))
    failed = False
    interrupted = False
    log(f"work dir {work}")
    try:
        for n in args.sizes:
            if run_halite:
                fleet = HaliteFleet(args.halite_bin, work / f"halite-{n}", n, args.log_level)
                results["fleets"].append(bench_fleet(fleet, args.reps, args.warmups))
            if not args.skip_salt:
                fleet = SaltFleet(args.salt_venv, work / f"salt-{n}", n, args.log_level)
                results["fleets"].append(bench_fleet(fleet, args.reps, args.warmups))
        if run_swarm:
            for n in args.swarm:
                results["swarm"].append(bench_swarm(args.halite_bin, work / f"swarm-{n}", n, args.reps, args.warmups,
                                                    args.log_level))
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping every process started by the bench")
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        stop_everything()

    stages = results["fleets"] + results["swarm"]
    failed_runs = [(r, key, f) for r in stages for key in ("test_ping", "cmd_run_true")
                   for f in dig(r, key, "failures") or []]
    failed = any("error" in r for r in stages) or bool(failed_runs)
    results["meta"]["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["meta"]["interrupted"] = interrupted
    results["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = build_rows(results)
    results["table"] = [{"metric": m, "halite": h, "salt": s, "target": t or None,
                         "ratio_salt_over_halite": round(s / h, 2) if isinstance(h, (int, float)) and isinstance(s, (int, float)) and h else None}
                        for m, h, s, t in rows]
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"{started.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(f"halite {results['meta']['halite'] or '—'} vs {results['meta']['salt'] or 'Salt —'} · {os.cpu_count()} CPUs · "
          f"{args.reps} reps after {args.warmups} warm-ups · times are CLI wall clock · memory is VmRSS (PSS) of the "
          f"process tree · load average {results['meta']['loadavg_start'][0]:.1f} at start, "
          f"{results['meta']['loadavg_end'][0]:.1f} at end")
    print(render_table(rows))
    stage_name = lambda r: f"{r['system']}, {r['minions']} minion(s)" if "system" in r else f"swarm {r['swarm_minions']}"
    for r in stages:
        if "error" in r:
            print(f"\nERROR in {stage_name(r)}: {r['error'].splitlines()[0]}")
    for r, key, f in failed_runs:
        print(f"\nFAILED RUN in {stage_name(r)}, {key} {f['run']} ({f['ms']:.0f} ms, left out of the statistics): "
              f"{f['detail'].splitlines()[0]}")
    print(f"\nresults: {out}")
    if failed or interrupted or args.keep:
        print(f"configs and logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if interrupted:
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
