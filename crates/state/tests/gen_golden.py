#!/usr/bin/env python3
"""Regenerates the goldens of the differential state tests from real Salt.

For every case directory under corpus/ (a file root with a top.sls), runs
`salt-call --local` with a scratch minion config and stores, per command,
`{"retcode": N, "return": <the "local" value>}` in corpus/<case>/golden/.
The Rust test (tests/corpus.rs) compares halite's results to these, except
start_time, duration and pids. Run:

    /work/saltvenv/bin/python tests/gen_golden.py [case ...]
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
SALT_CALL = os.environ.get("SALT_CALL", "/work/saltvenv/bin/salt-call")

# name of the golden -> salt-call arguments; a case adds its own in
# commands.json (same shape) and minion config lines in minion.yaml, where
# @ROOT@ stands for the case directory (for its own file_roots).
COMMANDS = {
    "show_top": ["state.show_top"],
    "show_lowstate": ["state.show_lowstate"],
    "apply": ["state.apply"],
    "apply_test": ["state.apply", "test=True"],
}


def minion_config(scratch, root):
    extra = ""
    extra_path = os.path.join(root, "minion.yaml")
    if os.path.isfile(extra_path):
        with open(extra_path) as f:
            extra = f.read().replace("@ROOT@", root)
    if "file_roots:" in extra:
        # The case lays out its own saltenvs.
        return extra + "\n" + "\n".join(
            [
                "file_client: local",
                "id: test-minion",
                f"cachedir: {scratch}/cache",
                f"pki_dir: {scratch}/pki",
                f"sock_dir: {scratch}/sock",
                f"log_file: {scratch}/log",
                "log_level_logfile: warning",
                "",
            ]
        )
    return extra + "\n" + "\n".join(
        [
            "file_client: local",
            "id: test-minion",
            f"cachedir: {scratch}/cache",
            f"pki_dir: {scratch}/pki",
            f"sock_dir: {scratch}/sock",
            f"log_file: {scratch}/log",
            "log_level_logfile: warning",
            "file_roots:",
            "  base:",
            f"    - {root}",
            "",
        ]
    )


def run_case(case):
    root = os.path.join(CORPUS, case)
    golden = os.path.join(root, "golden")
    os.makedirs(golden, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        conf = os.path.join(scratch, "conf")
        os.makedirs(conf)
        with open(os.path.join(conf, "minion"), "w") as f:
            f.write(minion_config(scratch, root))
        commands = dict(COMMANDS)
        extra = os.path.join(root, "commands.json")
        if os.path.isfile(extra):
            with open(extra) as f:
                commands.update(json.load(f))
        for name, args in commands.items():
            proc = subprocess.run(
                [SALT_CALL, "--local", "--config-dir", conf, "--retcode-passthrough",
                 "--out", "json", "-l", "quiet", *args],
                capture_output=True, text=True, cwd="/tmp", check=False,
            )
            try:
                ret = json.loads(proc.stdout)["local"]
            except (ValueError, KeyError):
                ret = {"unparsed_stdout": proc.stdout, "stderr": proc.stderr}
            with open(os.path.join(golden, f"{name}.json"), "w") as f:
                json.dump({"retcode": proc.returncode, "return": ret}, f, indent=2)
                f.write("\n")
            print(case, name, proc.returncode, flush=True)


def main():
    cases = sys.argv[1:] or sorted(
        d for d in os.listdir(CORPUS) if os.path.isfile(os.path.join(CORPUS, d, "top.sls"))
    )
    for case in cases:
        run_case(case)


if __name__ == "__main__":
    main()
