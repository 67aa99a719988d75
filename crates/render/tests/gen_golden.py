#!/work/saltvenv/bin/python
"""Renders every SLS file of tests/corpus/states with real Salt and stores
what it renders (or the error it raises) under tests/corpus/golden.

Salt renders the files the way the state system does
(`salt.template.compile_template`, as `HighState.render_state` calls it),
with the grains of corpus/grains.json and the pillar of corpus/pillar.json,
so the Rust tests can give the renderer the same context.

Run: /work/saltvenv/bin/python crates/render/tests/gen_golden.py
"""
import json
import os
from collections import OrderedDict
import sys
import tempfile

import salt.config
import salt.loader
import salt.template
from salt.exceptions import SaltRenderError

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
STATES = os.path.join(CORPUS, "states")
GOLDEN = os.path.join(CORPUS, "golden")


def sls_name(rel):
    name = rel[: -len(".sls")]
    if name.endswith("/init"):
        name = name[: -len("/init")]
    return name.replace("/", ".")


def main():
    with open(os.path.join(CORPUS, "grains.json")) as f:
        grains = json.load(f)
    # Compiled pillar data comes from the YAML renderer: OrderedDicts,
    # which Salt's YAML dumper writes in order.
    with open(os.path.join(CORPUS, "pillar.json")) as f:
        pillar = json.load(f, object_pairs_hook=OrderedDict)
    scratch = tempfile.mkdtemp(prefix="halite-render-golden-")
    opts = salt.config.minion_config(None)
    opts.update(
        {
            "file_client": "local",
            "root_dir": scratch,
            "cachedir": os.path.join(scratch, "cache"),
            "pki_dir": os.path.join(scratch, "pki"),
            "file_roots": {"base": [STATES]},
            "pillar_roots": {"base": [os.path.join(scratch, "pillar")]},
            "id": grains.get("id", "minion1"),
        }
    )
    opts["grains"] = grains
    opts["pillar"] = pillar
    funcs = salt.loader.minion_mods(opts)
    rend = salt.loader.render(opts, funcs)
    os.makedirs(GOLDEN, exist_ok=True)
    wanted = sys.argv[1:]
    for root, _dirs, files in os.walk(STATES):
        for fname in sorted(files):
            if not fname.endswith(".sls") or fname.startswith("_"):
                continue
            path = os.path.join(root, fname)
            rel = os.path.relpath(path, STATES)
            sls = sls_name(rel)
            if wanted and sls not in wanted:
                continue
            try:
                data = salt.template.compile_template(
                    path, rend, opts["renderer"], opts["renderer_blacklist"],
                    opts["renderer_whitelist"], saltenv="base", sls=sls,
                )
                out = {"sls": sls, "path": rel, "data": data}
            except SaltRenderError as exc:
                # Salt names imported files by their cache path.
                cache = os.path.join(scratch, "cache", "files", "base") + "/"
                out = {"sls": sls, "path": rel,
                       "error": f"Rendering SLS 'base:{sls}' failed: {exc}".replace(cache, "")}
            dest = os.path.join(GOLDEN, sls + ".json")
            with open(dest, "w") as f:
                json.dump(out, f, indent=2, ensure_ascii=False)
                f.write("\n")
            print(sls, "error" if "error" in out else "ok")




def snippets():
    """Renders each template of corpus/snippets.json as text (the `jinja`
    renderer alone, as `file.managed template=jinja` does) into
    golden/_snippets.json."""
    with open(os.path.join(CORPUS, "grains.json")) as f:
        grains = json.load(f)
    # Compiled pillar data comes from the YAML renderer: OrderedDicts,
    # which Salt's YAML dumper writes in order.
    with open(os.path.join(CORPUS, "pillar.json")) as f:
        pillar = json.load(f, object_pairs_hook=OrderedDict)
    with open(os.path.join(CORPUS, "snippets.json")) as f:
        snips = json.load(f)
    scratch = tempfile.mkdtemp(prefix="halite-render-snip-")
    opts = salt.config.minion_config(None)
    opts.update({"file_client": "local", "root_dir": scratch,
                 "cachedir": os.path.join(scratch, "cache"),
                 "pki_dir": os.path.join(scratch, "pki"),
                 "file_roots": {"base": [STATES]}, "id": grains.get("id")})
    opts["grains"] = grains
    opts["pillar"] = pillar
    funcs = salt.loader.minion_mods(opts)
    rend = salt.loader.render(opts, funcs)
    path = os.path.join(STATES, "_snippet.sls")
    out = []
    try:
        for snip in snips:
            with open(path, "w") as f:
                f.write(snip)
            try:
                ret = salt.template.compile_template(
                    path, rend, "jinja", "", "", saltenv="base", sls="_snippet")
                text = ret.read() if hasattr(ret, "read") else ret
                out.append({"template": snip, "output": text})
            except SaltRenderError as exc:
                out.append({"template": snip, "error": str(exc).splitlines()[0]})
    finally:
        os.unlink(path)
    with open(os.path.join(GOLDEN, "_snippets.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("snippets", len(out))


if __name__ == "__main__":
    main()
    snippets()
