"""The benchmark harness runs (one quick metric on synthetic rows) and writes results.json as documented.

Not a timing test: nothing here asserts how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "ours", "peer", "ratio", "target", "pass", "unit", "notes"}


@pytest.mark.slow
def test_bench_runs_one_quick_metric(tmp_path):
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "table", "--quick", "--rows", "200", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    metrics = json.loads(output.read_text())
    assert [m["name"][:3] for m in metrics] == ["2a.", "2b."]
    for metric in metrics:
        assert FIELDS <= set(metric)
        assert metric["ours"] > 0 and metric["peer"] > 0 and metric["ratio"] > 0
        assert isinstance(metric["pass"], bool) and metric["unit"] == "ms"
        assert len(metric["samples"]["ours"]) == len(metric["samples"]["peer"]) == 3
    assert "2a. node table first paint" in result.stdout and ("PASS" in result.stdout or "FAIL" in result.stdout)


def test_bench_rejects_an_unknown_suite():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "nope"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "listing" in result.stderr
