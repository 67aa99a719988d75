#!/usr/bin/env python3
"""Writes random multi-file SLS trees as corpus cases (corpus/tree_NN/):
includes, extend, exclude, names, `sls` requisites, `_in` requisites and
guarded `cmd.run` (echo only), deterministic per seed, for gen_golden.py.

    python3 tests/gen_random_trees.py [first] [count] && \\
        /work/saltvenv/bin/python tests/gen_golden.py tree_00 ...
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

FUNS = ["succeed_with_changes", "succeed_without_changes", "fail_without_changes", "nop"]
REQS = ["require", "watch", "onchanges", "onfail", "require_in", "watch_in", "onchanges_in",
        "prereq", "listen", "use"]


def state_lines(rng, sid, all_ids, sls_names):
    lines = [f"{sid}:"]
    if rng.random() < 0.2:
        guard = rng.choice(["unless: 'true'", "unless: 'false'", "onlyif: 'true'", "onlyif: 'false'"])
        lines += ["  cmd.run:", f"    - name: echo {sid}", f"    - {guard}"]
    else:
        lines += [f"  test.{rng.choice(FUNS)}:"]
        if rng.random() < 0.15:
            lines.append(f"    - names:\n      - {sid}_x\n      - {sid}_y:\n        - comment: y")
    for _ in range(rng.choice([0, 1, 1, 2])):
        req = rng.choice(REQS)
        others = [i for i in all_ids if i != sid]
        if not others:
            break
        if req in ("require", "watch", "onchanges") and rng.random() < 0.2:
            lines.append(f"    - {req}:\n      - sls: {rng.choice(sls_names)}")
        else:
            lines.append(f"    - {req}:\n      - {rng.choice(others)}")
    if len(lines) == 2:
        lines.append("    - comment: plain")
    return lines


def tree(seed, n):
    rng = random.Random(seed)
    root = os.path.join(CORPUS, f"tree_{n:02d}")
    os.makedirs(os.path.join(root, "lib"), exist_ok=True)
    sls_names = ["main", "lib", "lib.one", "lib.two"]
    files = {"main": "main.sls", "lib": "lib/init.sls", "lib.one": "lib/one.sls", "lib.two": "lib/two.sls"}
    ids = {name: [f"{name.replace('.', '_')}_{i}" for i in range(rng.randint(1, 3))] for name in sls_names}
    all_ids = [i for v in ids.values() for i in v]
    for name in sls_names:
        lines = []
        if name == "main":
            lines.append("include:\n  - lib")
            if rng.random() < 0.5:
                lines.append(f"exclude:\n  - id: {rng.choice(ids['lib.two'])}")
            if rng.random() < 0.6:
                target = rng.choice(ids["lib.one"])
                lines.append(f"extend:\n  {target}:\n    test:\n      - comment: extended")
        elif name == "lib":
            lines.append("include:\n  - .one\n  - lib.two")
        for sid in ids[name]:
            lines += state_lines(rng, sid, all_ids, sls_names)
        with open(os.path.join(root, files[name]), "w") as f:
            f.write("\n".join(lines) + "\n")
    with open(os.path.join(root, "top.sls"), "w") as f:
        f.write("base:\n  '*':\n    - main\n")


def main():
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    for n in range(first, first + count):
        tree(5000 + n, n)


if __name__ == "__main__":
    main()
