"""Start-up benchmark: each bot timed in its own process from exec to ready, on one fake
Discord (its own process) serving ``--guilds`` clubs.

Cercle starts on a copy of a database holding, per club, ``--meetings`` upcoming meetings
with two reminders and ``--polls`` open polls (bench/fill.py: 50 jobs per club by
default); a bare ``discord.Client`` with the same intents and ``guild_ready_timeout`` is
the baseline. The order rotates every round. Per bot and round: seconds from exec to
ready, CPU seconds to ready (the process's own accounting), RSS at ready and after a
second idle, jobs held in memory, and whether matplotlib / numpy / dateparser are loaded.
Then the median (min–max) over rounds of each, of Cercle's extra time over bare and of
the ratio. Exits 1 only when a process fails.

Run: ``python -m bench.startup [--rounds 5] [--guilds 50] [--meetings 10] [--polls 10]
[--tree PATH] [--fill-tree PATH]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import MB, filled, fresh_copy, orders, ratios, spread, start_bot, start_fake  # noqa: E402
from bench._wire import Child, children, parent_main  # noqa: E402

BOTS = ("bare", "cercle")


async def start_once(spawned: list[Child], role: str, info: dict[str, Any], source: Path, folder: Path,
                     tree: str | None) -> dict[str, Any]:
    """Exec one bot, wait until ready, take its figures (and a second later), stop it."""
    database = fresh_copy(source, folder) if role == "cercle" else None
    bot, ready, seconds = await start_bot(spawned, role, info, tree=tree, database=database)
    await asyncio.sleep(1.0)
    idle = await bot.call("stats")
    held = await bot.call("held")
    await bot.stop()
    return {"seconds": seconds, "cpu_s": ready["cpu_s"], "rss": ready["rss"] / MB, "rss_idle": idle["rss"] / MB,
            "objects": idle["objects"], "heavy": ready["heavy"], "held": held}


def line(role: str, run: dict[str, Any]) -> str:
    heavy = ", ".join(run["heavy"]) or "none"
    return (f"  {role:>6}: ready in {run['seconds']:.3f} s · CPU {run['cpu_s']:.2f} s · RSS {run['rss']:.0f} MB at ready, "
            f"{run['rss_idle']:.0f} MB idle · {run['held']} jobs in memory · heavy modules loaded: {heavy}")


def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Print and return the medians (min–max) of the figures and of Cercle against bare."""
    cercle, bare = runs["cercle"], runs["bare"]
    extra = [c["seconds"] - b["seconds"] for c, b in zip(cercle, bare, strict=True)]
    figures = {
        "bare ready": spread([r["seconds"] for r in bare], " s", 3),
        "Cercle ready": spread([r["seconds"] for r in cercle], " s", 3),
        "extra": spread(extra, " s", 3),
        "ratio": spread(ratios([r["seconds"] for r in cercle], [r["seconds"] for r in bare]), "×", 2),
        "Cercle CPU to ready": spread([r["cpu_s"] for r in cercle], " s", 2),
        "bare RSS": spread([r["rss_idle"] for r in bare], " MB", 0),
        "Cercle RSS at ready": spread([r["rss"] for r in cercle], " MB", 0),
        "Cercle RSS idle": spread([r["rss_idle"] for r in cercle], " MB", 0),
    }
    print("median (min–max) over rounds: " + " · ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
    return figures


async def measure(guilds: int, meetings: int, polls: int, rounds: int, tree: str | None,
                  fill_tree: str | None) -> dict[str, list[dict[str, Any]]]:
    """Every round of both bots at one size; prints each round."""
    source, jobs = await filled(guilds, meetings=meetings, polls=polls, tree=fill_tree or tree)
    print(f"{guilds} clubs, {jobs} scheduled jobs stored, {rounds} rounds, each process separate", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {role: [] for role in BOTS}
    async with children() as spawned:
        fake, info = await start_fake(spawned, guilds=guilds)
        with tempfile.TemporaryDirectory() as tmp:
            for number, order in enumerate(orders(BOTS, rounds), start=1):
                print(f"round {number}:", flush=True)
                for role in order:
                    run = await start_once(spawned, role, info, source, Path(tmp), tree)
                    runs[role].append(run)
                    print(line(role, run), flush=True)
        await fake.stop()
    return runs


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--meetings", type=int, default=10, help="upcoming meetings per club")
    parser.add_argument("--polls", type=int, default=10, help="open polls per club")
    parser.add_argument("--tree", default=None, help="Cercle's code tree (default: this checkout)")
    parser.add_argument("--fill-tree", default=None, help="the tree that fills the database (default: --tree)")
    args = parser.parse_args()
    runs = await measure(args.guilds, args.meetings, args.polls, args.rounds, args.tree, args.fill_tree)
    summary(runs)
    return 0


if __name__ == "__main__":
    parent_main(main)
