#!/usr/bin/env python3
"""Generate the golden files of halite-output from Salt's own outputters.

Run with the Python of a Salt 3007 virtualenv, from anywhere:

    /work/saltvenv/bin/python crates/output/tests/gen_golden.py

It writes, for every case of CORPUS below, a directory
`tests/golden/<case>/` holding:

- `input.json`: the case as the Rust test reads it: `data` (what the CLI
  would print; a dict of minion id -> return for fleet cases), and the
  per-minion `retcodes` and `outs` (the `out` field a return may carry,
  e.g. `no_return`);
- `static.<variant>.out`: exactly what `salt --static ...` writes to stdout:
  `salt.output.display_output(data, "", opts)`;
- `stream.<variant>.out` (fleet cases): exactly what the non-static `salt`
  CLI writes to stdout as the returns arrive, one
  `display_output({minion: ret}, out, opts, _retcode=retcode)` per minion in
  arrival order.

A variant is a set of CLI options (`--out`, `--out-indent`, colour, config
`output_indent`/`nested_indent`); VARIANTS below and `variant()` in
`tests/golden.rs` must agree.

It also regenerates `src/nonprintable.rs`, the table behind Python's
`str.isprintable()` that `repr()` needs, from this interpreter's Unicode
database.

The files are committed, so `cargo test` never needs Python.
"""

import contextlib
import copy
import io
import json
import logging
import os
import random
import shutil
import sys
import unicodedata

import salt.config
import salt.output

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
NONPRINTABLE_RS = os.path.join(HERE, "..", "src", "nonprintable.rs")

NO_RESPONSE = (
    "Minion did not return. [No response]\nThe minions may not have all finished"
    " running and any remaining minions will return upon completion. To look up"
    " the return data for this job later, run the following command:\n\n"
    "salt-run jobs.lookup_jid 20260514093012345678"
)

# name -> (data, retcodes, outs). Fleet cases have a dict of minion id ->
# return as data, listed in arrival order (deliberately not sorted).
CORPUS = {
    "test_ping_fleet": (
        {"web2": True, "web1": True, "db1.example.com": True, "cache-01": True},
        {},
        {},
    ),
    "not_returned": (
        {
            "web1": True,
            "web3": "Minion did not return. [Not connected]",
            "web2": NO_RESPONSE,
            "web4": "Minion did not return",
        },
        {"web3": 1, "web2": 1},
        {"web3": "no_return", "web2": "no_return", "web4": "no_return"},
    ),
    "cmd_run_multiline": (
        {
            "web1": "total 8\ndrwxr-xr-x 2 root root 4096 Jan  1 00:00 etc\n"
            "-rw-r--r-- 1 root root   12 Jan  1 00:00 motd",
            "web2": "line one\r\nline two\r\n\r\nafter a blank line\n\n",
            "web3": "\ttabbed\n  indented\ntrailing spaces   ",
            "web4": "",
            "web5": "single line",
        },
        {},
        {},
    ),
    "cmd_run_all": (
        {
            "web1": {
                "pid": 4242,
                "retcode": 0,
                "stdout": "Linux web1 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux",
                "stderr": "",
            },
            "web2": {
                "pid": 4243,
                "retcode": 2,
                "stdout": "",
                "stderr": "ls: cannot access '/nope': No such file or directory",
            },
        },
        {"web2": 2},
        {},
    ),
    "grains_items": (
        {
            "web1": {
                "os": "Debian",
                "os_family": "Debian",
                "osrelease": "12",
                "osmajorrelease": 12,
                "kernel": "Linux",
                "num_cpus": 2,
                "mem_total": 3914,
                "ipv4": ["10.0.0.5", "127.0.0.1"],
                "ipv6": [],
                "ip_interfaces": {"eth0": ["10.0.0.5", "fe80::1"], "lo": ["127.0.0.1", "::1"]},
                "dns": {
                    "nameservers": ["10.0.0.2"],
                    "options": [],
                    "search": ["example.com"],
                    "sortlist": [],
                },
                "disks": [],
                "gpus": [{"model": "Virtio GPU", "vendor": "unknown"}],
                "locale_info": {"defaultencoding": "utf-8", "defaultlanguage": "en_US", "timezone": "UTC"},
                "pythonversion": [3, 11, 7, "final", 0],
                "selinux": {"enabled": False, "enforced": "Disabled"},
                "virtual": "kvm",
                "systemd": {"version": "252", "features": "+PAM +AUDIT +SELINUX"},
                "uid": 0,
                "username": "root",
                "zmqversion": None,
                "cpu_flags": ["fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr"],
                "biosreleasedate": "04/01/2014",
                "load": 0.25,
                "host": "web1",
                "empty": {},
            }
        },
        {},
        {},
    ),
    "unicode": (
        {
            "web1": {
                "accents": "café crème brûlée",
                "cjk": "日本語のテキスト",
                "emoji": "deploy ✓ done 🚀",
                "rtl": "שלום",
                "zero_width": "a\u200bb",
                "nbsp": "a\u00a0b",
                "soft_hyphen": "co\u00adop",
                "escape": "\x1b[31mred\x1b[0m",
                "bell": "ding\x07",
                "del": "x\x7fy",
                "separator": "one\u2028two",
                "private_use": "\ue000",
                "astral_unassigned": "\U000e0080",
                "clé": "valeur",
                "ключ": ["значение", "ещё"],
            }
        },
        {},
        {},
    ),
    "empty_values": (
        {"m1": {}, "m2": [], "m3": "", "m4": None, "m5": {"a": {}, "b": [], "c": "", "d": [[]], "e": [{}]}},
        {},
        {},
    ),
    "numbers": (
        {
            "web1": {
                "zero": 0,
                "negative": -42,
                "i64_max": 9223372036854775807,
                "i64_min": -9223372036854775808,
                "u64_max": 18446744073709551615,
                "float": 0.1,
                "float_whole": 1.0,
                "float_neg_zero": -0.0,
                "float_big": 1e16,
                "float_big2": 1234567890123456.0,
                "float_small": 0.00001,
                "float_small2": 0.0001,
                "float_pi": 3.141592653589793,
                "float_huge": 1.7976931348623157e308,
                "float_tiny": 5e-324,
                "list": [1, 2.5, -3, 1e100],
            }
        },
        {},
        {},
    ),
    "booleans_and_none": (
        {"web1": False, "web2": None, "web3": {"t": True, "f": False, "n": None, "l": [True, False, None]}},
        {"web1": 1},
        {},
    ),
    "error_strings": (
        {
            "web1": "'foo.bar' is not available.",
            "web2": "Passed invalid arguments to test.ping: ping() takes 0 positional arguments but 1 were given\n"
            "\n    Used to make sure the minion is up and responding. Not an ICMP ping.\n"
            "\n    Returns ``True``.\n\n    CLI Example:\n\n    .. code-block:: bash\n\n"
            "        salt '*' test.ping\n    ",
            "web3": "ERROR executing 'cmd.run': The 'cwd' argument must be an absolute path",
            "web4": "Module function test.nope is not available",
        },
        {"web1": 254, "web2": 1, "web3": 1, "web4": 254},
        {},
    ),
    "json_escapes": (
        {
            "web1": {
                "zkey": "insertion order, not sorted",
                "akey": "quotes \" and ' and backslash \\ here",
                "controls": "nul\x00 bs\x08 ff\x0c nl\n cr\r tab\t us\x1f",
                "slash": "a/b",
                "line_sep": "x\u2028y\u2029z",
                "html": "<script>&amp;</script>",
                "": "empty key",
            }
        },
        {},
        {},
    ),
    "yaml_tricky": (
        {
            "web1": {
                "yes": "yes",
                "no": "No",
                "on": "on",
                "null_word": "null",
                "tilde": "~",
                "int_like": "123",
                "float_like": "1.0",
                "octal_like": "0644",
                "empty": "",
                "space_lead": " leading",
                "space_trail": "trailing ",
                "colon": "key: value",
                "dash": "- item",
                "hash": "# comment",
                "star": "*alias",
                "multi": "first\nsecond\n",
                "long": "word " * 30,
                "quote": "it's",
                "date": "2026-05-14",
                "true_bool": True,
                "1": "numeric key",
                "list_of_dicts": [{"name": "a", "value": 1}, {"name": "b", "value": [1, 2]}],
                "nested_lists": [[1, 2], [], [[3]]],
            }
        },
        {},
        {},
    ),
    "txt_values": (
        {
            "web1": {"a": 1, "b": [1, "two"]},
            "web2": ["x", "y"],
            "web3": 3.5,
            "web4": None,
            "web5": "multi\nline\n",
            "web6": True,
        },
        {},
        {},
    ),
    "lists_of_lists": (
        {
            "web1": [
                ["a", "b"],
                [],
                {"k": "v", "nested": [{"x": 1}]},
                "scalar",
                "multi\nline item",
                [["deep"]],
            ]
        },
        {"web1": 1},
        {},
    ),
    "top_level_string": (
        "Salt request timed out. The master is not responding. You may need to run"
        " your command with `--async` in order to bypass the congested event bus."
        " With `--async`, the CLI tool will print the job id (jid) and exit"
        " immediately without listening for responses.",
        {},
        {},
    ),
    "top_level_list": (
        [
            "short",
            {"zeta": 1, "alpha": [1, 2, 3], "mid": "a string that is long enough to need wrapping on its own"},
            list(range(30)),
            "a long string with many words that pprint has to break across several lines when it is too long",
            "line one\nline two\n",
            [],
            {},
            None,
            3.25,
        ],
        {},
        {},
    ),
    "top_level_scalar": (42, {}, {}),
    "top_level_empty_dict": ({}, {}, {}),
}


def random_case(seed):
    """A fleet of random returns: odd characters (controls, line and
    paragraph separators, unassigned and astral code points), floats across
    the repr switch points, nesting up to 4 deep."""
    rng = random.Random(seed)
    alphabet_ranges = [(0x20, 0x7E), (0x00, 0x1F), (0x7F, 0xFF), (0x370, 0x3FF), (0x2000, 0x206F), (0x3040, 0x30FF), (0xE000, 0xE010), (0xFFF0, 0xFFFF), (0x1F300, 0x1F64F), (0xE0000, 0xE0100)]

    def text():
        out = []
        for _ in range(rng.randint(0, 24)):
            if rng.random() < 0.7:
                out.append(chr(rng.randint(0x20, 0x7E)))
            else:
                lo, hi = rng.choice(alphabet_ranges)
                out.append(chr(rng.randint(lo, hi)))
        return "".join(out)

    def scalar():
        kind = rng.randint(0, 6)
        if kind == 0:
            return rng.choice([True, False, None])
        if kind == 1:
            return rng.randint(-(2**63), 2**63 - 1)
        if kind == 2:
            return rng.randint(-1000, 1000)
        if kind == 3:
            return rng.choice([1, -1]) * rng.random() * 10 ** rng.randint(-8, 20)
        return text()

    def value(depth):
        roll = rng.random()
        if depth >= 4 or roll < 0.5:
            return scalar()
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    data = {f"minion{n}": value(1) for n in range(6)}
    retcodes = {m: rng.choice([0, 0, 1, 2]) for m in data}
    return data, retcodes, {}


for _seed in range(1, 4):
    CORPUS[f"random_{_seed}"] = random_case(_seed)

def state(fun, sid, name, result, comment, changes, run_num, duration=12.345, start="10:15:02.123456", sls="web", **extra):
    """One entry of a state run's return, keyed the way Salt keys it."""
    mod, func = fun.split(".")
    ret = {
        "name": name,
        "changes": changes,
        "result": result,
        "comment": comment,
        "__sls__": sls,
        "__run_num__": run_num,
        "start_time": start,
        "duration": duration,
        "__id__": sid,
    }
    ret.update(extra)
    return f"{mod}_|-{sid}_|-{name}_|-{func}", ret


def states(*entries):
    return dict(entries)


NGINX_DIFF = (
    "--- \n+++ \n@@ -1,4 +1,5 @@\n user www-data;\n-worker_processes 1;\n"
    "+worker_processes auto;\n+pid /run/nginx.pid;\n events {\n"
)

# Highstate cases: (data, retcodes, outs); rendered for `fun` state.apply,
# streamed with the `highstate` outputter every state return asks for.
STATE_CORPUS = {
    "hs_apply": (
        {
            "web1": states(
                state("pkg.installed", "nginx", "nginx", True, "The following packages were installed/updated: nginx",
                      {"nginx": {"old": "", "new": "1.22.1-9"}}, 0, 2345.678),
                state("file.managed", "/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf", True,
                      "File /etc/nginx/nginx.conf updated", {"diff": NGINX_DIFF}, 1, 25.1),
                state("file.directory", "webroot", "/srv/www", True, "The directory /srv/www is in the correct state", {}, 2, 0.912),
                state("service.running", "nginx-service", "nginx", True,
                      "Service nginx is already enabled, and is running", {}, 4, 40.0),
                state("cmd.run", "reload", "systemctl reload nginx", True, 'Command "systemctl reload nginx" run',
                      {"pid": 4242, "retcode": 0, "stdout": "reloaded\nok", "stderr": "warning: deprecated\n"}, 3, 101.5),
                state("file.managed", "broken", "/etc/broken.conf", False,
                      "Unable to manage file: Jinja variable 'port' is undefined\n/srv/salt/web/broken.conf.j2(3):\n---\nlisten {{ port }}\n    <======================", {}, 5, 3.0),
                state("user.present", "deploy", "deploy", True, "New user deploy created", {"deploy": {"uid": 1001, "groups": ["www-data"], "shell": "/bin/bash", "home": "/home/deploy"}}, 6, 55,
                      warnings=["The 'gid_from_name' argument is deprecated and will be removed in Salt 3008. Use 'usergroup' instead, which has the same meaning but a clearer name."]),
                state("test.configurable_test_state", "odd", "odd", True, ["comment", "as", "a list"], "not a dict", 7, "7.5 ms"),
                state("test.nop", "with-data", "with-data", True, "Success!", {}, 8, 1, data={"key": "value", "n": 2}),
            ),
            "web2": states(
                state("pkg.installed", "nginx", "nginx", True, "All specified packages are already installed", {}, 0, 12.0),
                state("service.running", "nginx-service", "nginx", True, "The service nginx is already running", {}, 1, 9.25),
            ),
        },
        {"web1": 2},
        {"web1": "highstate", "web2": "highstate"},
    ),
    "hs_test_true": (
        {
            "db1": states(
                state("pkg.installed", "postgresql", "postgresql", None,
                      "The following packages would be installed/updated: postgresql", {"postgresql": {"new": "installed", "old": ""}}, 0, 800.5),
                state("file.managed", "pg_hba", "/etc/postgresql/15/main/pg_hba.conf", None,
                      "The file /etc/postgresql/15/main/pg_hba.conf is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.",
                      {"diff": "New file", "mode": "0640"}, 1, 300.25),
                state("service.running", "postgresql-svc", "postgresql", None, "Service postgresql is set to start", {}, 2, 0.5),
                state("file.directory", "backup", "/var/backups/pg", True, "The directory /var/backups/pg is in the correct state", {}, 3, 1.125),
            )
        },
        {},
        {"db1": "highstate"},
    ),
    "hs_compile_error": (
        {
            "web1": [
                "Rendering SLS 'base:webserver' failed: Jinja variable 'dict object' has no attribute 'port'",
                "No matching sls found for 'nope' in env 'base'",
                "Escape \x1b[31m in an error",
            ],
            "web2": {
                "no_|-states_|-states_|-None": {
                    "result": False,
                    "comment": "No Top file or master_tops data matches found. Please see master log for details.",
                    "name": "No Top file or master_tops data matches found. Please see master log for details.",
                    "changes": {},
                    "__run_num__": 0,
                }
            },
            "web3": {},
        },
        {"web1": 1, "web2": 2},
        {"web1": "highstate", "web2": "highstate", "web3": "highstate"},
    ),
    "hs_non_state": (
        {
            "web1": "Minion did not return. [No response]\nThe minions may not have all finished running",
            "web2": True,
            "web3": 42,
            "web4": None,
            "web5": 1.5,
            "web\x1b6": "",
        },
        {"web1": 1},
        {},
    ),
    "hs_malformed": (
        {
            "web1": states(
                state("file.managed", "motd", "/etc/motd", True, "File /etc/motd updated", {"diff": "New file"}, 0, 4.5),
                ("cmd_|-nochanges_|-true_|-run", {"result": True, "comment": "ran", "__run_num__": 1, "duration": 1.0, "name": "true"}),
            )
        },
        {},
        {"web1": "highstate"},
    ),
    "hs_missing_run_num": (
        {
            "web1": states(
                state("test.succeed_without_changes", "first", "first", True, "Success!", {}, 0, 1.0),
                ("test_|-lost_|-lost_|-nop", {"result": True, "comment": "no order", "changes": {}, "name": "lost", "duration": 2.0}),
                ("test_|-other_|-other_|-nop", {"comment": "no result either", "name": "other"}),
            )
        },
        {},
        {"web1": "highstate"},
    ),
    "hs_names": (
        {
            "web1": states(
                state("cmd.run", "mix", "true", True, 'Command "true" run', {"pid": 10, "retcode": 0, "stdout": "", "stderr": ""}, 0, 8.546, "19:10:10.969049", sls="mix"),
                state("cmd.run", "mix", "false", False, 'Command "false" run', {"pid": 11, "retcode": 1, "stdout": "", "stderr": ""}, 1, 8.606, "19:10:10.977998", sls="mix"),
                state("cmd.run", "mix", "/bin/true", True, 'Command "/bin/true" run', {"pid": 12, "retcode": 0, "stdout": "", "stderr": ""}, 2, 7.618, "19:10:10.987116", sls="mix"),
                state("cmd.run", "mix", "/bin/false", False, 'Command "/bin/false" run', {"pid": 13, "retcode": 1, "stdout": "", "stderr": ""}, 3, 9.344, "19:10:10.995172", sls="mix"),
                state("file.absent", "cleanup", "/tmp/a", True, "File /tmp/a is not present", {}, 4, 0.25, sls="mix"),
                state("file.absent", "cleanup", "/tmp/b", True, "Removed file /tmp/b", {"removed": "/tmp/b"}, 5, 0.5, sls="mix"),
                state("test.nop", "parallel-a", "parallel-a", True, "Success!", {}, 6, 500.0, __parallel__=True),
                state("test.nop", "parallel-b", "parallel-b", True, "Success!", {}, 7, 700.0, __parallel__=True),
            )
        },
        {"web1": 2},
        {"web1": "highstate"},
    ),
    "hs_orchestrate": (
        {
            "master1_master": states(
                state("salt.state", "deploy-web", "deploy-web", True, "States ran successfully. Updating web1.",
                      {"ret": {"web1": states(
                          state("pkg.installed", "nginx", "nginx", True, "Installed nginx", {"nginx": {"old": "", "new": "1.22"}}, 0, 10.0),
                          state("service.running", "nginx", "nginx", True, "Running", {}, 1, 2.0),
                      )}, "out": "highstate"}, 0, 1500.0),
                state("salt.function", "ping", "test.ping", True, "Function ran successfully.", {"ret": {"web1": True}}, 1, 30.0),
                state("salt.runner", "sub", "state.orchestrate", True, "Runner function 'state.orchestrate' executed.",
                      {"sub_master": states(
                          state("test.succeed_with_changes", "inner", "inner", True, "Success!", {"testing": {"old": "Unchanged", "new": "Something pretended to change"}}, 0, 1.0),
                      )}, 2, 20.0),
            ),
            "retcode": 0,
        },
        {},
        {},
    ),
}

STATE_CORPUS.update({
    # A job envelope (`jobs.lookup_jid`) and a `{"return": ...}` wrapper,
    # which the outputter unwraps.
    "hs_envelope": (
        {
            "20260514093012345678": {
                "jid": "20260514093012345678",
                "fun": "state.apply",
                "return": {"data": {"web1": states(
                    state("test.succeed_with_changes", "a", "a", True, "Success!", {"testing": {"old": "Unchanged", "new": "Something pretended to change"}}, 0, 1.0),
                )}},
            }
        },
        {},
        {},
    ),
    "hs_return_wrapper": (
        {"return": {"web1": states(state("test.fail_without_changes", "b", "b", False, "Failure!", {}, 0, 2.0))}},
        {},
        {},
    ),
})

# Non-dict documents: static only.
STATE_TOP_LEVEL = {
    "hs_top_string": "Minion did not return. [Not connected]",
    "hs_top_list": ["Pillar failed to render with the following messages:", "Rendering SLS 'x' failed"],
    "hs_top_none": None,
    "hs_top_int": 3,
}


def random_state_case(seed):
    """A fleet of random state runs: odd text in comments, names and
    changes, every result, warnings, shared IDs, parallel states."""
    rng = random.Random(seed)
    words = ["nginx", "the", "file", "is", "in", "correct", "state", "managed", "salt-minion", "café", "日本",
             "x" * 30, "a-b-c", "--", "done.", "\t", "", "ünïcödé", "\x1b[1m", "path/to/file", "3008",
             "well-known", "x-y-z", "a--b", "e.g.--like", "-opt", "super-long-hyphenated-word-that-exceeds-the-width-of-the-line-for-sure-yes", "ab-12"]

    def text(lines=3):
        out = []
        for _ in range(rng.randint(1, lines)):
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))))
        sep = rng.choice(["\n", "\n", "\r\n", "\n\n"])
        t = sep.join(out)
        if rng.random() < 0.2:
            t = "  " + t + "\n  "
        return t

    def value(depth):
        roll = rng.random()
        if depth >= 3 or roll < 0.5:
            return rng.choice([True, False, None, rng.randint(-5, 5000), rng.random() * 100, text(2), ""])
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {text(1): value(depth + 1) for _ in range(rng.randint(0, 3))}

    def changes():
        roll = rng.random()
        if roll < 0.35:
            return {}
        if roll < 0.45:
            return {"diff": "--- \n+++ \n@@ -1 +1 @@\n-" + text(1) + "\n+" + text(1) + "\n"}
        if roll < 0.55:
            return {"pid": rng.randint(1, 99999), "retcode": rng.choice([0, 1]), "stdout": text(), "stderr": text(1)}
        if roll < 0.6:
            return rng.choice(["a string change", ["a", "list"], 5])
        return {text(1): value(1) for _ in range(rng.randint(1, 3))}

    funs = ["file.managed", "pkg.installed", "service.running", "cmd.run", "test.nop", "user.present"]
    data = {}
    for n in range(4):
        minion = f"minion{n}"
        kind = rng.random()
        if kind < 0.1:
            data[minion] = [text(1) for _ in range(rng.randint(1, 3))]
            continue
        entries = []
        count = rng.randint(0, 9)
        order = list(range(count))
        rng.shuffle(order)
        ids = [f"id{i}" for i in range(rng.randint(1, 5))]
        for i in range(count):
            sid = rng.choice(ids)
            name = sid if rng.random() < 0.4 else text(1).replace("_|-", "") or sid
            extra = {}
            if rng.random() < 0.15:
                extra["warnings"] = [text(2) for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.1:
                extra["__parallel__"] = True
            duration = rng.choice([round(rng.random() * 10 ** rng.randint(0, 4), 3), rng.randint(0, 900), 0.001])
            key, ret = state(rng.choice(funs), sid, name, rng.choice([True, True, False, None]), text(), changes(),
                             order[i], duration, f"1{rng.randint(0, 9)}:0{rng.randint(0, 9)}:00.{rng.randint(0, 999999):06d}", **extra)
            entries.append((key, ret))
        data[minion] = states(*entries)
    return data, {}, {}


# 168: compression meets changes that are not a dict, and Salt falls back
# to `nested` on the uncompressed data.
for _seed in [*range(1, 9), 168]:
    STATE_CORPUS[f"hs_random_{_seed}"] = random_state_case(_seed)

# Highstate variants: the `state_*` settings (`hs.` names, see
# `variant()` in tests/golden.rs).
STATE_VARIANTS = {
    "hs.default": {},
    "hs.color": {"color": True},
    "hs.full_id": {"state_output": "full_id"},
    "hs.terse": {"state_output": "terse"},
    "hs.terse.color": {"state_output": "terse", "color": True},
    "hs.terse_id": {"state_output": "terse_id"},
    "hs.mixed": {"state_output": "mixed"},
    "hs.mixed_id": {"state_output": "mixed_id"},
    "hs.changes": {"state_output": "changes"},
    "hs.changes_id": {"state_output": "changes_id"},
    "hs.changes.color": {"state_output": "changes", "color": True},
    "hs.quiet_success": {"state_verbose": False},
    "hs.quiet_success.terse": {"state_verbose": False, "state_output": "terse"},
    "hs.tabular": {"state_output": "terse", "state_tabular": True},
    "hs.diff": {"state_output_diff": True},
    "hs.no_profile": {"state_output_profile": False},
    "hs.no_profile.tabular": {"state_output_profile": False, "state_output": "terse", "state_tabular": True},
    "hs.pct": {"state_output_pct": True},
    "hs.pct.color": {"state_output_pct": True, "color": True},
    "hs.custom": {"state_output": "terse", "state_tabular": "{0}{6[__run_num__]:>3} {2:>8}.{3:<9}|{4:^9}|{1!r:.20} {6[start_time]} {6[duration]!s:>9}{{ms}}{5}"},
    "hs.compress": {"state_compress_ids": True, "state_output": "terse_id"},
    "hs.compress.full": {"state_compress_ids": True},
    "hs.filter": {"state_output": "filter", "state_output_exclude": ["True"], "state_output_terse": ["None"]},
}

# The random runs are rendered with these only, to keep the golden set small.
RANDOM_STATE_VARIANTS = {"hs.custom", "hs.default", "hs.color", "hs.terse_id", "hs.mixed", "hs.changes.color", "hs.quiet_success", "hs.tabular", "hs.pct", "hs.compress", "hs.compress.full", "hs.filter"}


def state_static_output(data, extra):
    opts = make_opts(None, extra)
    # What `salt --static` does for `state.*`: no suggested outputter, and
    # get_printout picks `highstate` from `static` and `fun`.
    opts["static"] = True
    opts["fun"] = "state.apply"
    data = copy.deepcopy(data)
    return captured(lambda: salt.output.display_output(data, "", opts))


def state_stream_output(data, retcodes, extra):
    text = ""
    for minion, ret in data.items():
        opts = make_opts(None, extra)
        one = copy.deepcopy({minion: ret})
        text += captured(
            lambda: salt.output.display_output(one, "highstate", opts, _retcode=retcodes.get(minion, 0))
        )
    return text


def generate_state_golden():
    for case, (data, retcodes, _outs) in STATE_CORPUS.items():
        # Every return of a state function asks for `highstate`.
        outs = {minion: "highstate" for minion in data}
        case_dir = os.path.join(GOLDEN, case)
        os.makedirs(case_dir)
        write(
            os.path.join(case_dir, "input.json"),
            json.dumps(
                {"data": data, "retcodes": retcodes, "outs": outs, "fun": "state.apply"},
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
        )
        for variant, extra in STATE_VARIANTS.items():
            if case.startswith("hs_random") and variant not in RANDOM_STATE_VARIANTS:
                continue
            write(os.path.join(case_dir, f"static.{variant}.out"), state_static_output(data, extra))
            write(os.path.join(case_dir, f"stream.{variant}.out"), state_stream_output(data, retcodes, extra))
    for case, data in STATE_TOP_LEVEL.items():
        case_dir = os.path.join(GOLDEN, case)
        os.makedirs(case_dir)
        write(
            os.path.join(case_dir, "input.json"),
            json.dumps({"data": data, "retcodes": {}, "outs": {}, "fun": "state.apply"}, indent=2) + "\n",
        )
        for variant in ("hs.default", "hs.color"):
            write(os.path.join(case_dir, f"static.{variant}.out"), state_static_output(data, STATE_VARIANTS[variant]))


# variant -> (`--out` or None, extra opts). `nested_indent` and
# `output_indent` are config settings; `output_indent` also comes from
# `--out-indent`.
VARIANTS = {
    "default": (None, {}),
    "default.color": (None, {"color": True}),
    "nested.indent2": ("nested", {"nested_indent": 2}),
    "json": ("json", {}),
    "json.indent2": ("json", {"output_indent": 2}),
    "json.indent0": ("json", {"output_indent": 0}),
    "json.oneline": ("json", {"output_indent": -1}),
    "json.null": ("json", {"output_indent": None}),
    "json.pretty": ("json", {"output_indent": "pretty"}),
    "yaml": ("yaml", {}),
    "yaml.indent4": ("yaml", {"output_indent": 4}),
    "yaml.flow": ("yaml", {"output_indent": -1}),
    "txt": ("txt", {}),
    "text": ("text", {}),
    "raw": ("raw", {}),
    "quiet": ("quiet", {}),
    "no_return": ("no_return", {}),
    "bogus": ("bogus", {}),
}

# Variants that only change an option's effect are rendered for these cases
# only, to keep the golden set readable.
OPTION_VARIANTS = {"nested.indent2", "json.indent2", "json.indent0", "json.null", "json.pretty", "yaml.indent4", "yaml.flow", "text", "bogus"}
OPTION_CASES = {"grains_items", "lists_of_lists", "not_returned", "top_level_list"}


def make_opts(cli_out, extra):
    opts = copy.deepcopy(salt.config.DEFAULT_MASTER_OPTS)
    opts["color"] = False
    if cli_out is not None:
        opts["output"] = cli_out
    opts.update(extra)
    return opts


def captured(fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


def static_output(data, cli_out, extra):
    opts = make_opts(cli_out, extra)
    # `salt --static` collects every return, then prints them at once with
    # an empty suggested outputter and retcode 0 (salt/cli/salt.py).
    return captured(lambda: salt.output.display_output(data, "", opts))


def stream_output(data, retcodes, outs, cli_out, extra):
    text = ""
    for minion, ret in data.items():
        opts = make_opts(cli_out, extra)
        text += captured(
            lambda: salt.output.display_output(
                {minion: ret}, outs.get(minion, ""), opts, _retcode=retcodes.get(minion, 0)
            )
        )
    return text


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def generate_golden():
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for case, (data, retcodes, outs) in CORPUS.items():
        case_dir = os.path.join(GOLDEN, case)
        os.makedirs(case_dir)
        write(
            os.path.join(case_dir, "input.json"),
            json.dumps({"data": data, "retcodes": retcodes, "outs": outs}, indent=2, ensure_ascii=False) + "\n",
        )
        for variant, (cli_out, extra) in VARIANTS.items():
            if variant in OPTION_VARIANTS and case not in OPTION_CASES:
                continue
            write(os.path.join(case_dir, f"static.{variant}.out"), static_output(data, cli_out, extra))
            if isinstance(data, dict) and data:
                write(
                    os.path.join(case_dir, f"stream.{variant}.out"),
                    stream_output(data, retcodes, outs, cli_out, extra),
                )


def generate_nonprintable():
    ranges = []
    start = None
    # ASCII is decided in code; the table starts at DEL.
    for code in range(0x7F, 0x110000):
        printable = chr(code).isprintable()
        if not printable and start is None:
            start = code
        if printable and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x10FFFF))
    lines = [
        "//! Code points that Python's `str.isprintable()` rejects, above ASCII:",
        "//! sorted, inclusive ranges. Generated by `tests/gen_golden.py` from",
        f"//! Python {sys.version.split()[0]} (Unicode {unicodedata.unidata_version}); do not edit.",
        "",
        "#[rustfmt::skip]",
        "pub(crate) static NONPRINTABLE: &[(u32, u32)] = &[",
    ]
    row = []
    for lo, hi in ranges:
        row.append(f"(0x{lo:x}, 0x{hi:x}),")
        if len(row) == 6:
            lines.append("    " + " ".join(row))
            row = []
    if row:
        lines.append("    " + " ".join(row))
    lines.append("];")
    write(NONPRINTABLE_RS, "\n".join(lines) + "\n")


if __name__ == "__main__":
    # The `bogus` variant makes Salt log "Invalid outputter bogus specified,
    # fall back to nested" once per render; the goldens only hold stdout.
    logging.disable(logging.CRITICAL)
    generate_golden()
    generate_state_golden()
    generate_nonprintable()
