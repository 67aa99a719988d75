#!/usr/bin/env python3
"""Regenerates the golden files of halite-yaml from Salt's own YAML code.

Run with the Python of a Salt install (here Salt 3007, PyYAML 6.0 on
libyaml):

    /work/saltvenv/bin/python crates/yaml/tests/gen_golden.py

Writes, next to the inputs, so that `cargo test` needs no Python:

- corpus/<case>.json: what `salt.utils.yaml.safe_load` makes of
  corpus/<case>.yaml, converted to JSON the way halite-yaml documents it
  (keys as `json.dumps` writes them, inf/nan as strings, integers beyond
  64 bits as decimal strings, bytes as UTF-8 text), or
  {"error": {"type", "problem", "line"}} when Salt refuses the file;
- corpus/<case>.out: that value dumped as `salt --out yaml` does;
- dump/random.json: random values of tricky strings (fixed seed);
- dump/<optset>.out: every value of dump/inputs.json and dump/random.json
  dumped with Salt's dumper and one option set (listed in
  dump/optsets.json), each output preceded by a `#=== <case>` line;
- dump/encode.json: `yaml_dquote` and `yaml_encode` of sample values.
"""

import json
import math
import pathlib
import sys

import salt.utils.yaml
import salt.utils.yamlencoding

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
DUMP = HERE / "dump"

# Every option of halite_yaml::DumpOptions, spelled out, so both sides agree.
OPTSETS = {
    # `salt --out yaml` (salt/output/yaml_out.py without output_indent)
    "outputter": dict(default_flow_style=False, indent=2, sort_keys=True, width=80, allow_unicode=True, explicit_start=False),
    # `--out yaml` with output_indent: 4
    "outputter_indent4": dict(default_flow_style=False, indent=4, sort_keys=True, width=80, allow_unicode=True, explicit_start=False),
    # `--out yaml` with a negative output_indent
    "outputter_flow": dict(default_flow_style=True, indent=0, sort_keys=True, width=80, allow_unicode=True, explicit_start=False),
    # the Jinja `yaml` filter (before its strip())
    "jinja": dict(default_flow_style=True, indent=2, sort_keys=True, width=80, allow_unicode=True, explicit_start=False),
    # salt.utils.yaml.safe_dump(data) with no options
    "salt_default": dict(default_flow_style=None, indent=2, sort_keys=True, width=80, allow_unicode=True, explicit_start=False),
    # OrderedDict data (rendered SLS, pillar): insertion order
    "unsorted": dict(default_flow_style=False, indent=2, sort_keys=False, width=80, allow_unicode=True, explicit_start=False),
    # plain PyYAML yaml.safe_dump(data) defaults
    "pyyaml_default": dict(default_flow_style=False, indent=2, sort_keys=True, width=80, allow_unicode=False, explicit_start=False),
    "narrow_ascii_explicit": dict(default_flow_style=None, indent=3, sort_keys=True, width=30, allow_unicode=False, explicit_start=True),
    "wide": dict(default_flow_style=None, indent=2, sort_keys=True, width=2**31 - 1, allow_unicode=True, explicit_start=False),
}

I64_MIN, U64_MAX = -(2**63), 2**64 - 1


def json_key(key):
    """The string json.dumps writes for a mapping key."""
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8")
    return json.dumps(key)


def to_json(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = json_key(key)
            if name in out:
                raise ValueError(f"keys collide once stringified: {name!r}")
            out[name] = to_json(item)
        return out
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if I64_MIN <= value <= U64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    raise TypeError(f"unexpected {type(value).__name__} in loaded data")


def dump(value, opts):
    return salt.utils.yaml.safe_dump(value, **opts)


def gen_corpus():
    for path in sorted(CORPUS.glob("*.yaml")):
        text = path.read_bytes().decode("utf-8")
        out_path = path.with_suffix(".out")
        try:
            value = to_json(salt.utils.yaml.safe_load(text))
        except Exception as exc:  # Salt's errors are what we record
            mark = getattr(exc, "problem_mark", None)
            error = {
                "type": type(exc).__name__,
                "problem": getattr(exc, "problem", None) or str(exc),
                "line": mark.line + 1 if mark is not None else None,
            }
            write(path.with_suffix(".json"), json.dumps({"error": error}, indent=2, ensure_ascii=False) + "\n")
            if out_path.exists():
                out_path.unlink()
            continue
        write(path.with_suffix(".json"), json.dumps(value, indent=2, ensure_ascii=False) + "\n")
        write(out_path, dump(value, OPTSETS["outputter"]))


# Characters that decide quoting, folding and escaping, weighted towards
# the ordinary ones so that strings also look like words and sentences.
ALPHABET = list("abcxyz019 ") * 4 + list(" \n\t:#-?'\"\\,[]{}&*!|>%@`.~+_=<") + ["é", "ü", "日", "😀", "\r", "\x00", "\x7f", "\xa0", "\ufeff"]


# Mostly words, with an indicator now and then: plain and single-quoted
# styles, and folding at word boundaries.
WORDY = list("abcdefghij  ") * 8 + list(":#-?'\"\n,[]{}.!&*é")


def random_string(rng, alphabet):
    length = rng.choice([0, 1, 2, 3, 5, 8, 13, 40, 90, 130])
    return "".join(rng.choice(alphabet) for _ in range(length))


def gen_random_inputs():
    """Deterministic random values: strings as list items, keys and values,
    in flow and block contexts. Written to dump/random.json, so the Rust
    side reads exactly what Python dumped."""
    import random

    rng = random.Random(20261124)
    cases = {}
    for n in range(160):
        alphabet = ALPHABET if n % 2 else WORDY
        strings = [random_string(rng, alphabet) for _ in range(6)]
        cases[f"random_{n:03}"] = {
            "list": strings[:3],
            "map": {strings[3]: strings[4], "k": strings[5]},
            "nested": [{strings[0]: [strings[1]]}, strings[2]],
        }
    write(DUMP / "random.json", json.dumps(cases, indent=1, ensure_ascii=True) + "\n")
    return cases


def gen_dump():
    cases = json.loads((DUMP / "inputs.json").read_text("utf-8"))
    cases.update(gen_random_inputs())
    write(DUMP / "optsets.json", json.dumps(OPTSETS, indent=2) + "\n")
    for name, opts in OPTSETS.items():
        parts = []
        for case, value in cases.items():
            parts.append(f"#=== {case}\n")
            parts.append(dump(value, opts))
        write(DUMP / f"{name}.out", "".join(parts))


def gen_encode():
    strings = ["", "plain", "é😀\t\"\\ x", "a\nb", "it's", "\x00\x07\x1b\x7f\x85\xa0\u2028\ufeff", "日本", "x" * 200 + " y"]
    scalars = [None, True, False, 0, -12, 1.0, 1e20, 1.5e-7, -0.0, "text", "yes", "0644"]
    golden = {
        "dquote": [[s, salt.utils.yamlencoding.yaml_dquote(s)] for s in strings],
        "encode": [[v, salt.utils.yamlencoding.yaml_encode(v)] for v in scalars],
    }
    write(DUMP / "encode.json", json.dumps(golden, indent=2, ensure_ascii=False) + "\n")


def write(path, text):
    path.write_bytes(text.encode("utf-8"))


if __name__ == "__main__":
    gen_corpus()
    gen_dump()
    gen_encode()
    print(f"goldens written under {HERE}", file=sys.stderr)
