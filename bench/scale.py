"""Scale benchmark: how Cercle's start-up, memory and vote latency grow with the number
of clubs, each club with the same schedule (bench/fill.py: 10 meetings with two
reminders and 10 open polls, 50 jobs per club).

At each size (``--sizes``, default 50, 500, 5,000 clubs): bench/startup.py's rounds
(exec to ready beside a bare bot, RSS at ready and idle), then bench/votes.py's burst
on Cercle alone, paced at ``--rate`` clicks/s, on that database (p50/p99, CPU per click).
Every process is separate; every figure is the median (min–max) over rounds. The last
table gives each figure per size and its growth against the smallest size. Exits 1 only
when a process fails or a vote is lost.

Run: ``python -m bench.scale [--sizes 50,500,5000] [--rounds 5] [--vote-rounds 3]
[--members 500] [--rate 400] [--tree PATH] [--fill-tree PATH]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import startup, votes  # noqa: E402
from bench._common import filled, spread  # noqa: E402
from bench._wire import parent_main  # noqa: E402


async def vote_rounds(args: argparse.Namespace, clubs: int) -> list[dict[str, Any]]:
    """Cercle's paced vote burst on the database of ``clubs`` clubs, ``--vote-rounds`` times."""
    source, _ = await filled(clubs, tree=args.fill_tree or args.tree)
    options = argparse.Namespace(members=args.members, clicks_per_member=1, rate=args.rate, tree=args.tree,
                                 gc_freeze=False)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.vote_rounds):
            run = await votes.one_run("cercle", options, source, Path(tmp))
            print(votes.line("cercle", run), flush=True)
            if run["votes"] != args.members:
                raise RuntimeError(f"{run['votes']} votes stored of {args.members}: votes lost")
            runs.append(run)
    return runs


def growth_table(rows: dict[int, dict[str, list[float]]]) -> None:
    """Each figure per size (median (min–max)) and its median's growth over the smallest size."""
    sizes = sorted(rows)
    first = rows[sizes[0]]
    print("\nhow each figure grows (median (min–max); × the smallest size's median):")
    for name, unit, digits in (("extra start-up over bare", " s", 2), ("Cercle ready", " s", 2),
                               ("Cercle RSS at ready", " MB", 0), ("Cercle RSS idle", " MB", 0),
                               ("jobs in memory", "", 0), ("vote p50", " ms", 1), ("vote p99", " ms", 1),
                               ("vote CPU", " ms/click", 3)):
        cells = []
        for size in sizes:
            values = rows[size][name]
            base = statistics.median(first[name]) or float("nan")
            cells.append(f"{size}: {spread(values, unit, digits)} ×{statistics.median(values) / base:.2f}")
        print(f"  {name:<26} " + " | ".join(cells))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,5000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--vote-rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--tree", default=None, help="Cercle's code tree (default: this checkout)")
    parser.add_argument("--fill-tree", default=None, help="the tree that fills the databases (default: --tree)")
    args = parser.parse_args()
    rows: dict[int, dict[str, list[float]]] = {}
    for clubs in (int(size) for size in args.sizes.split(",")):
        print(f"\n=== {clubs} clubs ===", flush=True)
        runs = await startup.measure(clubs, 10, 10, args.rounds, args.tree, args.fill_tree)
        startup.summary(runs)
        cercle, bare = runs["cercle"], runs["bare"]
        voted = await vote_rounds(args, clubs)
        rows[clubs] = {
            "extra start-up over bare": [c["seconds"] - b["seconds"] for c, b in zip(cercle, bare, strict=True)],
            "Cercle ready": [c["seconds"] for c in cercle],
            "Cercle RSS at ready": [c["rss"] for c in cercle],
            "Cercle RSS idle": [c["rss_idle"] for c in cercle],
            "jobs in memory": [c["held"] for c in cercle],
            "vote p50": [v["p50_ms"] for v in voted],
            "vote p99": [v["p99_ms"] for v in voted],
            "vote CPU": [v["cpu_ms"] for v in voted],
        }
    growth_table(rows)
    return 0


if __name__ == "__main__":
    parent_main(main)
