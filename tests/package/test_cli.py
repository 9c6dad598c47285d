"""`umm package ...` and `umm clean ...` through the command line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


from tests.package.archives import member, write_package
from tests.package.test_extract import tree

REPO = Path(__file__).resolve().parents[2]


# -- package -------------------------------------------------------------------
def test_extract_compress_transmute(umm_env, shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "packages" / "noarch" / "test-package-0.1-0.tar.bz2"
    r = umm_env.run("package", "extract", src, tmp_path / "out", check=True)
    assert r.stdout.strip() == f"Extracting {src} to {tmp_path / 'out'}"
    assert (tmp_path / "out" / "info" / "index.json").is_file()
    r = umm_env.run("package", "compress", tmp_path / "out", tmp_path / "t-0.1-0.conda",
                    "--compression-level", "3", check=True)
    assert "Compressing" in r.stdout
    r = umm_env.run("package", "transmute", tmp_path / "t-0.1-0.conda", "-c", "1", check=True)
    assert (tmp_path / "t-0.1-0.tar.bz2").is_file()
    umm_env.run("package", "extract", tmp_path / "t-0.1-0.tar.bz2", tmp_path / "again",
                check=True)
    assert tree(tmp_path / "again") == tree(tmp_path / "out")
    r = umm_env.run("--json", "package", "transmute", tmp_path / "t-0.1-0.tar.bz2", check=True)
    doc = json.loads(r.stdout)
    assert doc["success"] and doc["archive"] == str(tmp_path / "t-0.1-0.conda")


def test_unsafe_archive_is_a_one_line_error(umm_env, tmp_path: Path) -> None:
    evil = write_package(tmp_path / "evil-1-0.conda", [member("../../etc/evil", b"x")])
    r = umm_env.run("package", "extract", evil, tmp_path / "out")
    assert r.returncode == 1
    assert r.stderr.strip() == (f"error: unsafe package archive {evil}: member '../../etc/evil' "
                                "has a '..' component (path traversal)")
    assert "Traceback" not in r.stderr
    r = umm_env.run("package", "extract", tmp_path / "missing.conda", tmp_path / "out")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no such file" in r.stderr
    r = umm_env.run("package", "compress", tmp_path / "nothing", tmp_path / "x-1-0.conda")
    assert r.returncode == 1 and "not a directory" in r.stderr
    r = umm_env.run("package", "compress", tmp_path, tmp_path / "x-1-0.conda", "-c", "40")
    assert r.returncode == 1 and "1-22" in r.stderr


# -- clean ---------------------------------------------------------------------
def _setup_root(root: Path, shared: Path) -> dict:
    pkgs = root / "pkgs"
    (pkgs / "cache").mkdir(parents=True)
    (pkgs / "cache" / "0123abcd.json").write_text("{}" * 500)
    (pkgs / "cache" / "0123abcd.json.lock").write_text("")
    zlib = shared / "packages" / "linux-64" / "zlib-1.2.11-h7b6447c_3.conda"
    (pkgs / zlib.name).write_bytes(zlib.read_bytes())
    (pkgs / "half-1.0-0.conda.partial").write_bytes(b"x" * 100)
    for dist in ("used-1.0-0", "unused-1.0-0", "viafn-2.0-1"):
        d = pkgs / dist / "info"
        d.mkdir(parents=True)
        (d / "index.json").write_text("{}")
        (pkgs / dist / "payload.bin").write_bytes(b"\0" * 5000)
    (pkgs / "not-a-package").mkdir()
    (pkgs / "used-1.0-0.lock").write_text("")
    (pkgs / "held-1.0-0.lock").write_text("")
    env = root / "envs" / "work"
    (env / "conda-meta").mkdir(parents=True)
    (env / "conda-meta" / "used-1.0-0.json").write_text(json.dumps({"name": "used"}))
    (env / "conda-meta" / "renamed-meta.json").write_text(json.dumps(
        {"fn": "viafn-2.0-1.conda", "extracted_package_dir": str(pkgs / "viafn-2.0-1")}))
    (env / "lib").mkdir()
    (env / "lib" / "old.so.umm_trash").write_text("trash")
    (env / "lib" / "x.c~").write_text("trash")
    (env / "lib" / "keep.so").write_text("keep")
    (pkgs / ".umm_trash" / "zzz-1-0.extract-1234").mkdir(parents=True)
    return {"pkgs": pkgs, "env": env}


def test_clean_dry_run_changes_nothing(umm_env, shared_data: Path) -> None:
    paths = _setup_root(umm_env.root_prefix, shared_data)
    before = sorted(str(p) for p in umm_env.root_prefix.rglob("*"))
    r = umm_env.run("clean", "-a", "--trash", "--dry-run", check=True)
    assert sorted(str(p) for p in umm_env.root_prefix.rglob("*")) == before
    assert "zlib-1.2.11-h7b6447c_3.conda" in r.stdout and "unused-1.0-0" in r.stdout
    assert "  used-1.0-0 " not in r.stdout and "viafn-2.0-1" not in r.stdout
    assert "would be freed" in r.stdout
    r = umm_env.run("--json", "clean", "-a", "--dry-run", check=True)
    doc = json.loads(r.stdout)
    assert doc["dry_run"] is True
    assert doc["removed"]["package"] == [str(paths["pkgs"] / "unused-1.0-0")]
    assert sorted(doc["kept"]["package"]) == [str(paths["pkgs"] / "used-1.0-0"),
                                             str(paths["pkgs"] / "viafn-2.0-1")]


def test_clean_all_keeps_what_envs_use(umm_env, shared_data: Path) -> None:
    paths = _setup_root(umm_env.root_prefix, shared_data)
    pkgs = paths["pkgs"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; sys.path.insert(0, sys.argv[1]);"
         "from umm.package.lock import FileLock\n"
         "with FileLock(sys.argv[2]):\n print('locked', flush=True); time.sleep(30)",
         str(REPO), str(pkgs / "held-1.0-0.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = umm_env.run("clean", "-a", "-y", check=True)
    finally:
        holder.kill()
        holder.wait()
    left = sorted(p.name for p in pkgs.iterdir())
    assert left == [".umm_trash", "held-1.0-0.lock", "not-a-package", "used-1.0-0",
                    "viafn-2.0-1"]
    assert "could not remove" in r.stderr and "held-1.0-0.lock" in r.stderr
    assert "Freed" in r.stdout
    # trash is not part of -a (as micromamba); --trash removes it
    assert (paths["env"] / "lib" / "old.so.umm_trash").exists()
    umm_env.run("clean", "--trash", "-y", check=True)
    assert sorted(p.name for p in (paths["env"] / "lib").iterdir()) == ["keep.so"]
    assert list((pkgs / ".umm_trash").iterdir()) == []


def test_clean_prompts(umm_env, shared_data: Path) -> None:
    paths = _setup_root(umm_env.root_prefix, shared_data)
    r = umm_env.run("clean", "-t", input="n\n", check=True)
    assert "Remove tarballs [Y/n]" in r.stdout
    assert (paths["pkgs"] / "zlib-1.2.11-h7b6447c_3.conda").exists()
    umm_env.run("clean", "-t", input="\n", check=True)  # default: yes
    assert not (paths["pkgs"] / "zlib-1.2.11-h7b6447c_3.conda").exists()
    assert not (paths["pkgs"] / "half-1.0-0.conda.partial").exists()


def test_clean_force_pkgs_dirs(umm_env, shared_data: Path) -> None:
    paths = _setup_root(umm_env.root_prefix, shared_data)
    r = umm_env.run("clean", "-f", input="\n", check=True)  # default: no
    assert "Remove all contents from the package caches? [y/N]" in r.stdout
    assert paths["pkgs"].exists()
    umm_env.run("clean", "-f", "-y", check=True)
    assert not paths["pkgs"].exists()
    assert paths["env"].exists()


def test_clean_nothing_to_do(umm_env) -> None:
    r = umm_env.run("clean", check=True)
    assert r.stdout.strip() == "Nothing to do."


def test_clean_uses_configured_pkgs_dirs(umm_env, shared_data: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "a-1-0.tar.bz2").write_bytes(b"x")
    r = umm_env.run("clean", "-t", "-y", env={"CONDA_PKGS_DIRS": str(other)}, check=True)
    assert "a-1-0.tar.bz2" in r.stdout
    assert not (other / "a-1-0.tar.bz2").exists()
