#!/usr/bin/env python3
"""Turn a channel's repodata.json files into sharded repodata (CEP-16).

    scripts/shard_repodata.py CHANNEL_DIR [--subdir linux-64 ...] [--out DIR]
        [--base-url URL] [--shards-base-url ./shards/] [--hash-of compressed|content]

For every ``<subdir>/repodata.json`` writes ``<subdir>/repodata_shards.msgpack.zst``
(the index: ``{"version": 1, "info": {...}, "shards": {name: sha256 bytes}}``)
and ``<subdir>/shards/<sha256>.msgpack.zst``, one shard per package name
(``{"packages": ..., "packages.conda": ..., "removed": [...]}`` with ``md5`` and
``sha256`` as bytes). Shards are named by the sha256 of the compressed file
(``--hash-of content``: of the msgpack content, like conda-index). msgpack
is written with umm's own encoder; only zstandard is needed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from umm.repodata.msgpack import packb  # noqa: E402


def _pack_record(rec: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(rec)
    for key in ("md5", "sha256"):
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = bytes.fromhex(value)
            except ValueError:
                pass
    return out


def shard_subdir(src: Path, out_dir: Path, subdir: str, base_url: str, shards_base_url: str,
                 hash_of: str, level: int = 3) -> Dict[str, int]:
    import zstandard

    repodata = json.loads(src.read_text(encoding="utf-8"))
    by_name: Dict[str, Dict[str, Any]] = {}
    for section in ("packages", "packages.conda"):
        for fn, rec in (repodata.get(section) or {}).items():
            name = rec.get("name") if isinstance(rec, dict) else None
            if not isinstance(name, str):
                continue
            shard = by_name.setdefault(name, {"packages": {}, "packages.conda": {},
                                              "removed": []})
            shard[section][fn] = _pack_record(rec)
    removed: List[str] = [r for r in repodata.get("removed") or [] if isinstance(r, str)]
    for fn in removed:
        name = fn.rsplit("-", 2)[0]
        if name in by_name:
            by_name[name]["removed"].append(fn)
    cctx = zstandard.ZstdCompressor(level=level)
    shard_dir = out_dir / subdir / shards_base_url.strip("./").strip("/") \
        if shards_base_url.strip("./") else out_dir / subdir
    shard_dir.mkdir(parents=True, exist_ok=True)
    index: Dict[str, bytes] = {}
    written = 0
    for name in sorted(by_name):
        content = packb(by_name[name])
        compressed = cctx.compress(content)
        digest = hashlib.sha256(compressed if hash_of == "compressed" else content).digest()
        path = shard_dir / f"{digest.hex()}.msgpack.zst"
        if not path.exists():
            path.write_bytes(compressed)
            written += 1
        index[name] = digest
    info: Dict[str, Any] = {"subdir": subdir, "shards_base_url": shards_base_url,
                            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    info["base_url"] = base_url or "./"
    doc = {"version": 1, "info": info, "shards": index}
    (out_dir / subdir / "repodata_shards.msgpack.zst").write_bytes(cctx.compress(packb(doc)))
    return {"names": len(index), "shards_written": written}


def main(argv: "List[str] | None" = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("channel", type=Path)
    ap.add_argument("--subdir", action="append", default=None)
    ap.add_argument("--out", type=Path, default=None, help="output channel dir (default: in place)")
    ap.add_argument("--base-url", default="", help="info.base_url (default ./)")
    ap.add_argument("--shards-base-url", default="./shards/")
    ap.add_argument("--hash-of", choices=("compressed", "content"), default="compressed")
    a = ap.parse_args(argv)
    out = a.out or a.channel
    subdirs = a.subdir or sorted(p.parent.name for p in a.channel.glob("*/repodata.json"))
    if not subdirs:
        print(f"no */repodata.json under {a.channel}", file=sys.stderr)
        return 1
    for subdir in subdirs:
        src = a.channel / subdir / "repodata.json"
        if not src.is_file():
            print(f"missing {src}", file=sys.stderr)
            return 1
        stats = shard_subdir(src, out, subdir, a.base_url, a.shards_base_url, a.hash_of)
        print(f"{subdir}: {stats['names']} names, {stats['shards_written']} shard files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
