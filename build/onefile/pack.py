"""Build umm's onefile executable: the exec launcher (launcher.c) plus a program dir.

    python build/onefile/pack.py PROGRAM_DIR OUT --version V [--cc gcc] [--level 9]

PROGRAM_DIR holds the program as ``PROGRAM_DIR/umm`` (a Nuitka standalone
``*.dist`` directory). The launcher is compiled with the C compiler (zlib linked
statically when ``libz.a`` is there, so the binary needs only libc), the directory
is serialised into one zlib stream, and the trailer the launcher reads is appended
(the format is described at the top of launcher.c). The key in the trailer,
``<version>-<sha256 of the uncompressed payload, 12 hex digits>``, names the
unpack directory, so two different builds never share one and the same build
always reuses its own.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Iterator, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
MAGIC = b"UMM-ONEFILE-v1\0\0"
KEY_LEN = 64
TRAILER = struct.Struct("<16sQQ64s")
HEADER = struct.Struct("<BIIQ")
PROGRAM = "umm"
STATIC_ZLIB = ("/usr/lib/x86_64-linux-gnu/libz.a", "/usr/lib64/libz.a", "/usr/lib/libz.a",
               "/usr/local/lib/libz.a", "/usr/lib/aarch64-linux-gnu/libz.a")


class PackError(Exception):
    pass


def compile_launcher(out: Path, cc: str = "gcc") -> Path:
    """Compile launcher.c into ``out``; zlib static when a libz.a is found."""
    source = HERE / "launcher.c"
    static = next((p for p in STATIC_ZLIB if os.path.exists(p)), None)
    libs = [static] if static else ["-lz"]
    cmd = [cc, "-O2", "-s", "-Wall", "-Wextra", "-o", str(out), str(source), *libs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PackError(f"compiling the launcher failed ({' '.join(cmd)}):\n{proc.stderr}")
    return out


def _entries(root: Path) -> Iterator[Tuple[str, Path]]:
    """Every path under root, parents before children, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        names = sorted(dirnames + filenames)
        for name in names:
            path = base / name
            rel = path.relative_to(root).as_posix()
            yield rel, path


def records(root: Path) -> Iterator[bytes]:
    """The payload, uncompressed, as a sequence of byte strings."""
    for rel, path in _entries(root):
        st = path.lstat()
        name = rel.encode("utf-8")
        if stat.S_ISLNK(st.st_mode):
            target = os.readlink(path)
            if os.path.isabs(target):
                raise PackError(f"{rel}: absolute symlink {target!r} would not survive unpacking")
            data = target.encode("utf-8")
            yield HEADER.pack(ord("L"), 0o777, len(name), len(data)) + name + data
        elif stat.S_ISDIR(st.st_mode):
            yield HEADER.pack(ord("D"), stat.S_IMODE(st.st_mode), len(name), 0) + name
        elif stat.S_ISREG(st.st_mode):
            yield HEADER.pack(ord("F"), stat.S_IMODE(st.st_mode), len(name), st.st_size) + name
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    yield chunk
        else:
            raise PackError(f"{rel}: not a file, directory or symlink")
    yield HEADER.pack(ord("E"), 0, 0, 0)


def pack(program_dir: Path, out: Path, version: str, cc: str = "gcc", level: int = 9,
         launcher: Optional[Path] = None) -> str:
    """Write the onefile executable to ``out``; returns the key (unpack dir name)."""
    program_dir = Path(program_dir)
    program = program_dir / PROGRAM
    if not (program.is_file() and os.access(program, os.X_OK)):
        raise PackError(f"{program} is not an executable file")
    if not version or "/" in version:
        raise PackError(f"bad version {version!r}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    with tempfile.TemporaryDirectory() as tmp:
        exe = launcher or compile_launcher(Path(tmp) / "launcher", cc)
        digest = hashlib.sha256()
        comp = zlib.compressobj(level)
        with open(part, "wb") as f:
            f.write(Path(exe).read_bytes())
            offset = f.tell()
            for chunk in records(program_dir):
                digest.update(chunk)
                f.write(comp.compress(chunk))
            f.write(comp.flush())
            size = f.tell() - offset
            key = f"{version}-{digest.hexdigest()[:12]}"
            if len(key.encode()) > KEY_LEN:
                raise PackError(f"version {version!r} is too long")
            f.write(TRAILER.pack(MAGIC, offset, size, key.encode()))
    os.chmod(part, 0o755)
    os.replace(part, out)
    return key


def read_trailer(exe: Path) -> Tuple[int, int, str]:
    """(payload offset, payload size, key) of a onefile executable."""
    with open(exe, "rb") as f:
        f.seek(-TRAILER.size, os.SEEK_END)
        magic, offset, size, key = TRAILER.unpack(f.read(TRAILER.size))
    if magic != MAGIC:
        raise PackError(f"{exe} is not a umm onefile executable")
    return offset, size, key.rstrip(b"\0").decode()


def _main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("program_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--version", required=True)
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--level", type=int, default=9)
    args = ap.parse_args(argv)
    if not shutil.which(args.cc):
        print(f"pack: no C compiler {args.cc!r} (set CC)", file=sys.stderr)
        return 1
    try:
        key = pack(args.program_dir, args.out, args.version, args.cc, args.level)
    except PackError as exc:
        print(f"pack: error: {exc}", file=sys.stderr)
        return 1
    print(key)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

