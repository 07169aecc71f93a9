"""/help benchmark: ``--count`` /help interactions through the fake Discord, answered by
Cercle and by a bare discord.py bot whose /help sends a message of the same size.

The fake and each bot run in their own processes (bench/_wire.py); a first Cercle run
measures the mean size of its replies (a member's, a French member's and a moderator's
/help in turn), which the bare bot then sends. The order rotates every
round. Per bot and round: throughput, p50/p99 time to acknowledge, CPU milliseconds per
interaction from the bot process's own accounting; then the median (min–max) of each and
of the ratios. Exits 1 only when a process fails.

Run: ``python -m bench.interactions [--count 2000] [--concurrency 20] [--rounds 5] [--tree PATH]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import cpu_ms_per, fresh_file, orders, ratios, spread, start_bot, start_fake  # noqa: E402
from bench._wire import children, parent_main  # noqa: E402

BOTS = ("bare-help", "cercle")
WARMUP = 50


async def one_run(role: str, args: argparse.Namespace, folder: Path, reply_chars: int) -> dict[str, Any]:
    """One bot against a fresh fake: sync its commands, warm up, then the measured burst."""
    async with children() as spawned:
        fake, info = await start_fake(spawned)
        extra = ["--help-chars", str(reply_chars)] if role == "bare-help" else []
        bot, _ready, _ = await start_bot(spawned, role, info, tree=args.tree, database=fresh_file(folder, role),
                                         extra=extra)
        await bot.call("sync")
        await fake.call("slashes", count=min(WARMUP, args.count), concurrency=args.concurrency)
        before = await bot.call("stats")
        burst = await fake.call("slashes", count=args.count, concurrency=args.concurrency)
        after = await bot.call("stats")
        await bot.stop()
        await fake.stop()
        return {**burst, "per_second": burst["count"] / burst["seconds"],
                "cpu_ms": cpu_ms_per(before, after, burst["count"])}


def line(role: str, run: dict[str, Any]) -> str:
    return (f"  {role:>9}: {run['count']} in {run['seconds']:.2f} s = {run['per_second']:.0f}/s · p50 "
            f"{run['p50_ms']:.1f} ms · p99 {run['p99_ms']:.1f} ms · CPU {run['cpu_ms']:.3f} ms/interaction · "
            f"reply {run['reply_chars']} chars")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", default=None, help="Cercle's code tree (default: this checkout)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {role: [] for role in BOTS}
    with tempfile.TemporaryDirectory() as tmp:
        calibration = await one_run("cercle", argparse.Namespace(**{**vars(args), "count": 30}), Path(tmp), 0)
        size = calibration["reply_chars"]
        print(f"/help interactions: {args.count}, {args.concurrency} in flight, {args.rounds} rounds, "
              f"each process separate; Cercle's reply is {size} characters, the bare bot's the same", flush=True)
        for number, order in enumerate(orders(BOTS, args.rounds), start=1):
            print(f"round {number}:", flush=True)
            for role in order:
                run = await one_run(role, args, Path(tmp), size)
                runs[role].append(run)
                print(line(role, run), flush=True)
    print("median (min–max) over rounds:")
    for role, rows in runs.items():
        print(f"  {role:>9}: {spread([r['per_second'] for r in rows], '/s', 0)} · p50 "
              f"{spread([r['p50_ms'] for r in rows], ' ms')} · p99 {spread([r['p99_ms'] for r in rows], ' ms')} · "
              f"CPU {spread([r['cpu_ms'] for r in rows], ' ms/interaction', 3)}")
    cercle, bare = runs["cercle"], runs["bare-help"]
    print(f"ratio throughput Cercle/bare: {spread(ratios([r['per_second'] for r in cercle], [r['per_second'] for r in bare]), '×', 2)}"
          f" · CPU per interaction Cercle/bare: {spread(ratios([r['cpu_ms'] for r in cercle], [r['cpu_ms'] for r in bare]), '×', 2)}"
          " (lower is better)")
    return 0


if __name__ == "__main__":
    parent_main(main)
