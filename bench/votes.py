"""Vote burst benchmark: members clicking a live anonymous poll, answered by Cercle, by a
bare discord.py bot, and by a bare bot that stores each vote durably in SQLite.

The fake Discord and each bot run in their own processes (bench/_wire.py); the order of
the bots rotates every round. Each member clicks ``--clicks-per-member`` different choices,
so every click adds a vote: Cercle must end with exactly that many votes (exit status 1
otherwise, or if any process fails). ``--armed-clubs N`` starts Cercle on a database
holding N clubs' schedules (50 jobs each: 2,000 clubs = 100,000 armed jobs). The burst is
sent all at once (the saturation throughput) or paced at ``--rate`` clicks/s.

Per bot and round: clicks/s, acknowledgement p50/p99 (the fake's clock: interaction
created → callback received, Discord's 3-second rule), CPU milliseconds per click from
the bot process's own accounting, GC pauses. Then the median (min–max) of each over the
rounds, and of the ratios Cercle/bare-sqlite (CPU per click) and Cercle/bare (throughput).

Run: ``python -m bench.votes [--members 1000] [--clicks-per-member 2] [--rounds 5]
[--rate 800] [--armed-clubs 2000] [--tree PATH] [--gc-freeze]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    cpu_ms_per,
    filled,
    fresh_copy,
    fresh_file,
    orders,
    ratios,
    spread,
    start_bot,
    start_fake,
)
from bench._wire import children, parent_main  # noqa: E402

BOTS = ("bare", "bare-sqlite", "cercle")


async def one_run(role: str, args: argparse.Namespace, source: Path | None, folder: Path) -> dict[str, Any]:
    """One bot against a fresh fake: its burst figures, CPU per click, GC and votes stored."""
    async with children() as spawned:
        fake, info = await start_fake(spawned, members=args.members)
        database = fresh_copy(source, folder) if source is not None and role == "cercle" else fresh_file(folder, role)
        extra = ["--gc-freeze"] if args.gc_freeze else []
        bot, _ready, _ = await start_bot(spawned, role, info, tree=args.tree, database=database, extra=extra)
        if role == "cercle":
            poll = await bot.call("setup_poll", admin_id=info["admin_id"], guild_id=info["guild_id"],
                                  channel_id=info["channel_id"], per_member=args.clicks_per_member)
            message_id = poll["message_id"]
        else:
            message_id = await fake.call("bare_poll")
        before = await bot.call("stats")
        burst = await fake.call("clicks", message_id=message_id, per_member=args.clicks_per_member, rate=args.rate)
        after = await bot.call("stats")
        run = {**burst, "cpu_ms": cpu_ms_per(before, after, burst["count"]), "gc": after["gc"],
               "per_second": burst["count"] / burst["seconds"], "held": await bot.call("held")}
        if role == "cercle":
            run["votes"] = await bot.call("tally", poll_id=poll["poll_id"])
        await bot.stop()
        await fake.stop()
        return run


def line(role: str, run: dict[str, Any]) -> str:
    votes = f" · {run['votes']} votes" if "votes" in run else ""
    return (f"  {role:>11}: {run['count']} clicks in {run['seconds']:.2f} s = {run['per_second']:.0f}/s · "
            f"p50 {run['p50_ms']:.0f} ms · p99 {run['p99_ms']:.0f} ms · CPU {run['cpu_ms']:.3f} ms/click · "
            f"GC {run['gc']['count']} runs, max {run['gc']['max_ms']:.1f} ms{votes}")


def summary(runs: dict[str, list[dict[str, Any]]]) -> None:
    """Median (min–max) over rounds of every figure, then the ratios."""
    print("median (min–max) over rounds:")
    for role, rows in runs.items():
        print(f"  {role:>11}: {spread([r['per_second'] for r in rows], '/s', 0)} · "
              f"p50 {spread([r['p50_ms'] for r in rows], ' ms', 0)} · p99 {spread([r['p99_ms'] for r in rows], ' ms', 0)} · "
              f"CPU {spread([r['cpu_ms'] for r in rows], ' ms/click', 3)} · "
              f"GC max {spread([r['gc']['max_ms'] for r in rows], ' ms')}")
    cercle, bare, stored = runs["cercle"], runs["bare"], runs["bare-sqlite"]
    cpu = ratios([r["cpu_ms"] for r in cercle], [r["cpu_ms"] for r in stored])
    speed = ratios([r["per_second"] for r in cercle], [r["per_second"] for r in bare])
    speed_stored = ratios([r["per_second"] for r in cercle], [r["per_second"] for r in stored])
    print(f"ratio CPU per click Cercle/bare-sqlite: {spread(cpu, '×', 2)} (lower is better)")
    print(f"ratio throughput Cercle/bare: {spread(speed, '×', 2)} · Cercle/bare-sqlite: {spread(speed_stored, '×', 2)}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--clicks-per-member", type=int, default=2, choices=(1, 2, 3))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=None, help="offered clicks per second (default: all at once)")
    parser.add_argument("--armed-clubs", type=int, default=0, help="clubs of 50 scheduled jobs each in Cercle's database")
    parser.add_argument("--tree", default=None, help="Cercle's code tree (default: this checkout)")
    parser.add_argument("--fill-tree", default=None, help="the tree that fills the database (default: --tree)")
    parser.add_argument("--gc-freeze", action="store_true")
    args = parser.parse_args()
    expected = args.members * args.clicks_per_member
    source, jobs = None, 0
    if args.armed_clubs:
        source, jobs = await filled(args.armed_clubs, tree=args.fill_tree or args.tree)
    offered = f"{args.rate:.0f} clicks/s offered" if args.rate else "all at once"
    print(f"{expected} clicks from {args.members} members, {offered}, {jobs} jobs stored in Cercle's database, "
          f"{args.rounds} rounds, each process separate")
    runs: dict[str, list[dict[str, Any]]] = {role: [] for role in BOTS}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for number, order in enumerate(orders(BOTS, args.rounds), start=1):
            print(f"round {number} ({' → '.join(order)}):", flush=True)
            for role in order:
                run = await one_run(role, args, source, Path(tmp))
                runs[role].append(run)
                print(line(role, run), flush=True)
                if role == "cercle" and run["votes"] != expected:
                    print(f"  Cercle stored {run['votes']} votes, expected {expected}: votes lost")
                    ok = False
    summary(runs)
    return 0 if ok else 1


if __name__ == "__main__":
    parent_main(main)
