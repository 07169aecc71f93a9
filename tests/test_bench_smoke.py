"""The benchmarks still run (tiny sizes) and print their comparison lines; no timing is asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    ("bench.interactions", ["--count", "30", "--concurrency", "5"], "Cercle/bare"),
    ("bench.votes", ["--members", "20", "--clicks-per-member", "1", "--same-process"], "ratio"),
    ("bench.feedback", ["--members", "20", "--fast"], "Cercle"),
    ("bench.startup", ["--rounds", "1", "--guilds", "2", "--meetings", "4", "--polls", "4"], "extra"),
    ("bench.prompts", ["--guilds", "3", "--replies", "30"], "ratio cercle/baseline"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("module", "args", "expect"), CASES, ids=[c[0] for c in CASES])
def test_benchmark_runs(module, args, expect):
    """Each benchmark finishes with exit 0 and prints its figures against the baseline."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert expect.lower() in done.stdout.lower(), done.stdout[-2000:]
