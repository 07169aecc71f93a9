"""The benchmarks still run (tiny sizes): each starts the fake Discord and every bot in
their own processes, really drives the path it measures, and prints its figures against
the baseline; a bot that fails makes the benchmark fail, promptly. No timing is asserted."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    ("bench.interactions", ["--count", "30", "--concurrency", "5", "--rounds", "2"], ["ratio throughput Cercle/bare"]),
    ("bench.votes", ["--members", "20", "--clicks-per-member", "1", "--rounds", "2"],
     ["20 votes", "ratio CPU per click Cercle/bare-sqlite"]),
    ("bench.feedback", ["--members", "20", "--fast", "--rounds", "2"],
     ["answers stored 19, dedupe keys 19", "answers/s ratio Cercle/bare"]),
    ("bench.startup", ["--rounds", "2", "--guilds", "2", "--meetings", "2", "--polls", "2"],
     ["jobs in memory", "extra"]),
    ("bench.scale", ["--sizes", "2,3", "--rounds", "1", "--vote-rounds", "1", "--members", "10", "--rate", "50"],
     ["how each figure grows", "10 votes"]),
    ("bench.prompts", ["--guilds", "3", "--replies", "30"], ["ratio cercle/baseline"]),
]


def run(module: str, args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``python -m module args`` from the repository, its databases cached in ``tmp_path``."""
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "CERCLE_BENCH_CACHE": str(tmp_path), **env})


@pytest.mark.slow
@pytest.mark.parametrize(("module", "args", "expect"), CASES, ids=[c[0] for c in CASES])
def test_benchmark_runs(module, args, expect, tmp_path):
    """Each benchmark finishes with exit 0 and prints its figures against the baseline."""
    done = run(module, args, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for text in expect:
        assert text.lower() in done.stdout.lower(), done.stdout[-2000:]


@pytest.mark.slow
def test_a_bot_failing_while_running_fails_the_benchmark_promptly(tmp_path):
    """A bot that raises with its database and gateway still open exits 1 at once, and the
    benchmark with it (no hang on the database's thread)."""
    began = time.monotonic()
    done = run("bench.startup", ["--rounds", "1", "--guilds", "1", "--meetings", "1", "--polls", "1"], tmp_path,
               CERCLE_BENCH_FAIL_AFTER_READY="1")
    assert done.returncode != 0
    assert "CERCLE_BENCH_FAIL_AFTER_READY" in done.stderr
    assert time.monotonic() - began < 120


@pytest.mark.slow
def test_a_tree_without_cercle_fails_the_benchmark(tmp_path):
    """``--tree`` naming a folder without Cercle's code fails instead of measuring the installed package."""
    done = run("bench.votes", ["--members", "2", "--clicks-per-member", "1", "--rounds", "1", "--tree", str(tmp_path)],
               tmp_path)
    assert done.returncode != 0 and "not a Cercle code tree" in done.stderr
