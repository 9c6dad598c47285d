"""bench/startup.py keeps working (one quick run; the figures are not checked)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.freeze.helpers import REPO


def test_startup_bench_runs_and_reports(tmp_path):
    dist = tmp_path / "dist"
    (dist / "pyinstaller").mkdir(parents=True)
    fake = dist / "pyinstaller" / "umm"  # stands in for a built binary
    fake.write_text("#!/bin/sh\necho 0.0.0\n")
    fake.chmod(0o755)
    out = tmp_path / "startup.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "startup.py"), "-n", "1",
                           "--dist", str(dist), "--json", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    results = doc["results"]
    for key in ("python | -c pass", "python -m umm | --version", "python -m umm | --help",
                "pyinstaller onefile | --version"):
        assert results[key]["median_ms"] > 0, key
    assert doc["sizes"]["pyinstaller onefile"] == fake.stat().st_size
    assert "x floor" in proc.stdout
