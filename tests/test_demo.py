"""The README's first command, scripts/demo.sh: the main job works from this checkout."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "umm").exists(),
                    reason="scripts/setup.sh has not made .venv (scripts/test.sh does)")
@pytest.mark.skipif(sys.platform != "linux", reason="the demo channel is linux-64")
def test_demo_creates_an_env_and_runs_programs_from_it(tmp_path):
    root = tmp_path / "root"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONDA", "MAMBA"))}
    env.update(HOME=str(tmp_path), UMM_DEMO_ROOT=str(root), NO_COLOR="1",
               UMM_DEMO_SKIP_SETUP="1")  # .venv exists; no reinstall under the running suite
    proc = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    prefix = root / "envs" / "demo"
    out = proc.stdout
    # the gcc-built program prints the prefix its binary placeholder was relocated to
    assert str(prefix) in out.split("--- umm run:")[1].splitlines()[1]
    assert f"prefix={prefix}" in out
    assert f"v2 installed in {prefix}" in out
    for name in ("zlib", "prefix-echo", "hello-data", "umm-hello", "python"):
        assert f"  {name} " in out, name
