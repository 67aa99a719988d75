#!/usr/bin/env python3
"""Writes random requisite graphs as corpus cases (corpus/random_NN/),
deterministic per seed, for gen_golden.py to record Salt's verdicts on.

Only test.* states, so running them changes nothing. Run:

    python3 tests/gen_random_cases.py [first] [count] && \
        /work/saltvenv/bin/python tests/gen_golden.py random_00 random_01 ...
"""

import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

FUNS = ["succeed_with_changes", "succeed_without_changes", "fail_without_changes",
        "fail_with_changes", "nop"]
REQS = ["require", "watch", "onchanges", "onfail", "prereq", "require_in", "watch_in",
        "onchanges_in", "onfail_in", "listen", "require_any", "onchanges_any",
        "onfail_any", "onfail_all", "watch_any", "use", "listen_in"]


def target(rng, ids):
    tid = rng.choice(ids)
    return f"- {tid}" if rng.random() < 0.5 else f"- test: {tid}"


def case(seed, count):
    rng = random.Random(seed)
    ids = [f"s{i}" for i in range(rng.randint(5, 9))]
    lines = []
    for sid in ids:
        fun = rng.choice(FUNS)
        lines.append(f"{sid}:")
        lines.append(f"  test.{fun}:")
        if rng.random() < 0.15:
            lines.append(f"    - names:\n      - {sid}_a\n      - {sid}_b")
        if rng.random() < 0.15:
            lines.append(f"    - order: {rng.choice(['first', 'last', 1, 2, 10, -1])}")
        if rng.random() < 0.1:
            lines.append("    - failhard: True")
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            req = rng.choice(REQS)
            others = [i for i in ids if i != sid] or ids
            lines.append(f"    - {req}:")
            for _ in range(rng.choice([1, 1, 2])):
                lines.append(f"      {target(rng, others)}")
        if lines[-1].endswith(f"test.{fun}:"):
            lines.append("    - comment: plain")
    root = os.path.join(CORPUS, f"random_{count:02d}")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "top.sls"), "w") as f:
        f.write("base:\n  '*':\n    - main\n")
    with open(os.path.join(root, "main.sls"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    import sys
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    for n in range(first, first + count):
        case(1000 + n, n)


if __name__ == "__main__":
    main()
