"""The freezer inputs under spec/ and build/: consistent, complete, runnable."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import umm
from tests.freeze.helpers import BUILD, REPO, SPEC

RUNTIME_HOOK = SPEC / "pyi_rth_umm_environ.py"


def _pyproject_dependencies():
    text = (REPO / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M)
    assert block, "no [project] dependencies in pyproject.toml"
    deps = {}
    for item in re.findall(r'"([^"]+)"', block.group(1)):
        m = re.match(r"([A-Za-z0-9_.-]+)\s*(?:>=\s*([0-9.]+))?", item)
        deps[m.group(1).lower()] = m.group(2)
    return deps


def _pins(path: Path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].split(";")[0].strip()
        if not line or line.startswith("-r"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{path.name}: {line!r} is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def _vtuple(text: str):
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def test_release_pins_cover_exactly_the_runtime_dependencies():
    deps = _pyproject_dependencies()
    pins = _pins(BUILD / "requirements-runtime.txt")
    assert set(pins) == set(deps)
    for name, lower in deps.items():
        if lower:
            assert _vtuple(pins[name]) >= _vtuple(lower), (name, pins[name], lower)


@pytest.mark.parametrize("tool", ["pyinstaller", "nuitka"])
def test_tool_requirements_are_pinned_and_include_runtime(tool):
    path = BUILD / f"requirements-{tool}.txt"
    assert "-r requirements-runtime.txt" in path.read_text().splitlines()
    assert tool in _pins(path)


def test_pyinstaller_spec_compiles_and_uses_the_walker():
    text = (SPEC / "umm.spec").read_text()
    compile(text, "umm.spec", "exec")
    assert "buildlib.package_modules(ROOT)" in text
    assert "buildlib.package_data(ROOT)" in text
    assert 'collect_data_files("certifi")' in text
    assert "pyi_rth_umm_environ.py" in text and RUNTIME_HOOK.is_file()
    assert "entry.py" in text and (SPEC / "entry.py").is_file()


def test_nuitka_options_are_known_to_nuitka():
    lines = [ln.split("#")[0].strip() for ln in (SPEC / "nuitka-options.txt").read_text()
             .splitlines()]
    options = [ln for ln in lines if ln]
    assert "--include-package=umm" in options
    assert all(o.startswith("--") for o in options), options
    try:
        import nuitka  # noqa: F401
    except ImportError:
        pytest.skip("nuitka not installed")
    helptext = subprocess.run([sys.executable, "-m", "nuitka", "--help"], capture_output=True,
                              text=True, timeout=120).stdout
    for option in options:
        name = option.split("=")[0]
        assert re.search(rf"(^|\s){re.escape(name)}[=\s,]", helptext, re.M), name


def test_entry_script_runs_like_python_m_umm():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, str(SPEC / "entry.py"), "--version"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == umm.__version__
    proc = subprocess.run([sys.executable, str(SPEC / "entry.py"), "frobnicate"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2


def _run_hook(env, meipass="/tmp/_MEIabc123"):
    code = (
        "import json, os, sys\n"
        f"sys._MEIPASS = {meipass!r}\n"
        f"exec(compile(open({str(RUNTIME_HOOK)!r}).read(), 'hook', 'exec'), {{}})\n"
        "print(json.dumps({k: os.environ.get(k) for k in "
        "('LD_LIBRARY_PATH', 'LD_LIBRARY_PATH_ORIG', '_PYI_APPLICATION_HOME_DIR', "
        "'_PYI_PARENT_PROCESS_LEVEL', 'UNRELATED')}))\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("LD_LIBRARY_PATH")}
    base.update({"_PYI_APPLICATION_HOME_DIR": meipass, "_PYI_PARENT_PROCESS_LEVEL": "1",
                 "UNRELATED": "kept"})
    base.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=base, check=True).stdout
    return json.loads(out)


def test_runtime_hook_restores_the_users_library_path():
    got = _run_hook({"LD_LIBRARY_PATH": "/tmp/_MEIabc123:/opt/lib",
                     "LD_LIBRARY_PATH_ORIG": "/opt/lib"})
    assert got == {"LD_LIBRARY_PATH": "/opt/lib", "LD_LIBRARY_PATH_ORIG": None,
                   "_PYI_APPLICATION_HOME_DIR": None, "_PYI_PARENT_PROCESS_LEVEL": None,
                   "UNRELATED": "kept"}


def test_runtime_hook_drops_the_bundle_when_user_had_no_library_path():
    got = _run_hook({"LD_LIBRARY_PATH": "/tmp/_MEIabc123"})
    assert got["LD_LIBRARY_PATH"] is None
    got = _run_hook({"LD_LIBRARY_PATH": "/tmp/_MEIabc123/:/x"})
    assert got["LD_LIBRARY_PATH"] == "/x"


def test_runtime_hook_leaves_an_unrelated_path_alone():
    got = _run_hook({"LD_LIBRARY_PATH": "/usr/local/lib"})
    assert got["LD_LIBRARY_PATH"] == "/usr/local/lib"


def test_build_script_is_valid_bash_and_documents_its_targets():
    text = (BUILD / "build.sh").read_text()
    subprocess.run(["bash", "-n", str(BUILD / "build.sh")], check=True)
    for target in ("pyinstaller", "nuitka", "all"):
        assert target in text
    proc = subprocess.run(["bash", str(BUILD / "build.sh"), "frobnicate"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "unknown target 'frobnicate'" in proc.stderr
    help_ = subprocess.run(["bash", str(BUILD / "build.sh"), "--help"], capture_output=True,
                           text=True)
    assert help_.returncode == 0 and "dist/umm-<version>-<platform>.tar.bz2" in help_.stdout


def _run_entry(compiled: bool):
    code = (
        "import json, os, runpy, sys\n"
        "sys.argv = ['umm', '--version']\n"
        f"init = {{'__compiled__': object()}} if {compiled!r} else {{}}\n"
        "try:\n"
        f"    runpy.run_path({str(SPEC / 'entry.py')!r}, init_globals=init, run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "sys.stderr.write(json.dumps([code, {k: v for k, v in os.environ.items()"
        " if k.startswith('NUITKA')}]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), NUITKA_ONEFILE_PARENT="123",
               NUITKA_ONEFILE_DIRECTORY="/opt/x", NUITKA_ORIGINAL_ARGV0="umm")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return proc.stdout.strip(), json.loads(proc.stderr)


def test_entry_drops_nuitka_onefile_variables_when_compiled():
    out, (code, env) = _run_entry(compiled=True)
    assert (out, code, env) == (umm.__version__, 0, {})
    out, (code, env) = _run_entry(compiled=False)  # not Nuitka: leaves them alone
    assert env == {"NUITKA_ONEFILE_PARENT": "123", "NUITKA_ONEFILE_DIRECTORY": "/opt/x",
                   "NUITKA_ORIGINAL_ARGV0": "umm"}


def test_nuitka_options_keep_cli_and_http_working():
    """Two defects the Nuitka binary had (found by build/smoke.py's main job): without
    --deployment it refuses any '-c' argument, and urllib3.connection imports
    urllib3.http2, so only urllib3.http2.connection may be left out."""
    lines = [ln.split("#")[0].strip() for ln in (SPEC / "nuitka-options.txt").read_text()
             .splitlines()]
    assert "--deployment" in lines
    excluded = {m for ln in lines if ln.startswith("--nofollow-import-to=")
                for m in ln.split("=", 1)[1].split(",")}
    assert "urllib3.http2" not in excluded and "urllib3" not in excluded
