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
    generate_nonprintable()
