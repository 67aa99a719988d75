#!/usr/bin/env python3
"""State runs, halite vs Salt: `call --local state.apply` of generated trees,
first run and no-change run, side by side with `salt-call --local`.

Trees (built in a temp dir):
- `touch200`: 200 `cmd.run` states with `creates:` (a stand-in for 200 file
  states until `file.managed` lands): the first run starts 200 commands, the
  second changes nothing.
- `formula50`: a 50-state formula rendered from map.jinja + pillar with
  loops, filters and requisites (test states), so rendering dominates.

    bench/states.py [--halite-bin target/release/halite] [--salt-call bench/venv/bin/salt-call] [--reps 5]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_trees(base: Path) -> dict:
    trees = {}
    t = base / "touch200"
    states = []
    for i in range(200):
        states.append(f"touch_{i}:\n  cmd.run:\n    - name: touch @OUT@/f{i}\n    - creates: @OUT@/f{i}\n")
    write(t / "salt/top.sls", "base:\n  '*':\n    - touch\n")
    write(t / "salt/touch.sls", "".join(states))
    write(t / "pillar/top.sls", "base: {}\n")
    trees["touch200"] = t

    f = base / "formula50"
    write(f / "salt/top.sls", "base:\n  '*':\n    - app\n")
    write(f / "salt/app/map.jinja", """{% import_yaml "app/defaults.yaml" as defaults %}
{% set os_map = salt['grains.filter_by']({'Debian': {'user': 'www-data'}, 'RedHat': {'user': 'apache'}}, default='Debian') %}
{% do defaults.app.update(os_map) %}
{% set app = salt['pillar.get']('app', defaults.app, merge=True) %}
""")
    write(f / "salt/app/defaults.yaml", "app:\n  port: 80\n  sites: []\n")
    write(f / "salt/app/init.sls", """{% from "app/map.jinja" import app with context %}
app_base:
  test.succeed_without_changes:
    - name: base for {{ app.user }}
{% for site in app.sites %}
site_{{ site.name }}:
  test.configurable_test_state:
    - name: {{ site.name | upper }}
    - changes: False
    - comment: "{{ '%s:%d'|format(site.name, site.port|default(app.port)) }} {{ site.tags|join(',') }}"
    - require:
      - test: app_base
{% endfor %}
""")
    sites = "\n".join(f"    - name: site{i}.example.org\n      port: {8000 + i}\n      tags: [a{i}, b{i}, c]" for i in range(49))
    write(f / "pillar/top.sls", "base:\n  '*':\n    - app\n")
    write(f / "pillar/app.sls", f"app:\n  sites:\n{sites}\n")
    trees["formula50"] = f
    return trees


def config(scratch: Path, tree: Path) -> Path:
    conf = scratch / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "minion").write_text(
        f"file_client: local\nid: bench-minion\nroot_dir: {scratch}\ncachedir: {scratch}/cache\n"
        f"pki_dir: {scratch}/pki\nsock_dir: {scratch}/sock\nlog_file: {scratch}/log\n"
        f"log_level_logfile: warning\nfile_roots:\n  base:\n    - {tree}/salt\n"
        f"pillar_roots:\n  base:\n    - {tree}/pillar\n"
    )
    return conf


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    res = subprocess.run(argv, capture_output=True, text=True)
    secs = time.perf_counter() - start
    try:
        doc = json.loads(res.stdout)["local"]
        failed = [k for k, v in doc.items() if isinstance(v, dict) and v.get("result") is False]
    except Exception:
        failed = ["<no JSON>"]
    if failed or res.returncode != 0:
        sys.exit(f"run failed ({res.returncode}): {' '.join(argv)}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return secs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--halite-bin", default=str(BENCH.parent / "target/release/halite"))
    ap.add_argument("--salt-call", default=os.environ.get("HALITE_SALT_CALL", str(BENCH / "venv/bin/salt-call")))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="halite-states-bench."))
    rows = []
    try:
        for name, tree in make_trees(base).items():
            for system, cmd in (("halite", [args.halite_bin, "call", "--local", "-c"]), ("salt", [args.salt_call, "--local", "--config-dir"])):
                first, again = [], []
                for rep in range(args.reps):
                    scratch = base / f"{name}-{system}-{rep}"
                    out = scratch / "out"
                    out.mkdir(parents=True)
                    real_tree = scratch / "tree"
                    shutil.copytree(tree, real_tree)
                    for sls in real_tree.rglob("*.sls"):
                        sls.write_text(sls.read_text().replace("@OUT@", str(out)))
                    conf = config(scratch, real_tree)
                    argv = cmd + [str(conf), "--out", "json", "state.apply"]
                    first.append(run(argv))
                    again.append(run(argv))
                rows.append((name, system, statistics.median(first), statistics.median(again)))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"| tree | run | halite (s) | salt (s) | salt/halite |")
    print(f"|---|---|---|---|---|")
    by = {(n, s): (f, a) for n, s, f, a in rows}
    for name in ("touch200", "formula50"):
        h, s = by[(name, "halite")], by[(name, "salt")]
        print(f"| {name} | first | {h[0]:.3f} | {s[0]:.3f} | {s[0] / h[0]:.1f}x |")
        print(f"| {name} | no-change | {h[1]:.3f} | {s[1]:.3f} | {s[1] / h[1]:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
