#!/usr/bin/env python3
"""Regenerates tests/salt_cases.json: what real Salt targets for each case
in tests/fixtures/cases.json over the fleet in tests/fixtures/fleet.json.

Run with Salt's virtualenv, from anywhere:

    /work/saltvenv/bin/python crates/target/tests/gen_salt_cases.py

Two answers are recorded per case:
- "master": salt.utils.minions.CkMinions.check_minions, the master-side
  resolution that decides who is sent the job (the one halite reproduces),
  run over a real PKI dir and a real localfs minion-data cache;
- "minion": each minion's own matcher (salt.matchers.*), which a Salt
  minion runs on a published job, for reference.

Minions without an entry in the fleet's data ("nograins") have an accepted
key but no cached grains or pillar, as a freshly accepted minion would.
The output is committed so that `cargo test` needs no Python.
"""

import json
import logging
import os
import sys
import tempfile

import salt.cache
import salt.config
import salt.loader
import salt.utils.minions

HERE = os.path.dirname(os.path.abspath(__file__))


def master_checker(fleet, workdir):
    opts = salt.config.DEFAULT_MASTER_OPTS.copy()
    opts.update(
        pki_dir=os.path.join(workdir, "pki"),
        cachedir=os.path.join(workdir, "cache"),
        minion_data_cache=True,
        key_cache="",
        nodegroups=fleet["nodegroups"],
        cache="localfs",
    )
    os.makedirs(os.path.join(opts["pki_dir"], "minions"))
    checker = salt.utils.minions.CkMinions(opts)
    for minion_id, data in fleet["minions"].items():
        with open(os.path.join(opts["pki_dir"], "minions", minion_id), "w"):
            pass
        if data:
            checker.cache.store(f"minions/{minion_id}", "data", data)
    return checker


def minion_matchers(fleet, minion_id, workdir):
    data = fleet["minions"][minion_id]
    opts = salt.config.DEFAULT_MINION_OPTS.copy()
    opts.update(
        id=minion_id,
        grains=data.get("grains", {}),
        pillar=data.get("pillar", {}),
        nodegroups=fleet["nodegroups"],
        cachedir=os.path.join(workdir, "minion-cache", minion_id),
        pki_dir=os.path.join(workdir, "minion-pki", minion_id),
    )
    return opts, salt.loader.matchers(opts)


def minion_match(opts, matchers, case):
    tgt, tgt_type = case["expr"], case["type"]
    fun = matchers[f"{tgt_type}_match.match"]
    try:
        if tgt_type in ("grain", "grain_pcre", "pillar", "pillar_pcre", "pillar_exact"):
            return bool(fun(tgt, delimiter=case.get("delimiter", ":"), opts=opts))
        if tgt_type == "nodegroup":
            return bool(fun(tgt, nodegroups=opts["nodegroups"], opts=opts))
        return bool(fun(tgt, opts=opts, minion_id=opts["id"]))
    except Exception:  # pylint: disable=broad-except
        return False


def main():
    logging.basicConfig(level=logging.CRITICAL)
    with open(os.path.join(HERE, "fixtures", "fleet.json")) as f:
        fleet = json.load(f)
    with open(os.path.join(HERE, "fixtures", "cases.json")) as f:
        cases = json.load(f)

    out = []
    with tempfile.TemporaryDirectory() as workdir:
        checker = master_checker(fleet, workdir)
        minions = {
            minion_id: minion_matchers(fleet, minion_id, workdir)
            for minion_id in fleet["minions"]
        }
        for case in cases:
            res = checker.check_minions(
                case["expr"], case["type"], delimiter=case.get("delimiter", ":")
            )
            master = sorted(res["minions"])
            minion = sorted(
                minion_id
                for minion_id, (opts, matchers) in minions.items()
                if minion_match(opts, matchers, case)
            )
            entry = {"type": case["type"], "expr": case["expr"]}
            if "delimiter" in case:
                entry["delimiter"] = case["delimiter"]
            entry["master"] = master
            entry["minion"] = minion
            out.append(entry)
            if master != minion:
                print(
                    f"note: master and minion disagree on {case['type']} {case['expr']!r}: "
                    f"{master} vs {minion}",
                    file=sys.stderr,
                )

    with open(os.path.join(HERE, "salt_cases.json"), "w") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(entry) for entry in out))
        f.write("\n]\n")
    print(f"wrote {len(out)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
