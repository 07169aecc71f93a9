"""Feedback campaign benchmark: a campaign DMed to ``--members`` members with the pacing
respected, then every reachable member's anonymous answer submitted at once, beside a
bare discord.py bot acknowledging the same modals.

The fake Discord and each bot run in their own processes (bench/_wire.py). Phase 1
(Cercle only, every round): the ``/campaign`` fan-out (5 % of members with DMs closed) at
``--rate`` requests/s (Cercle's default, 20/s, i.e. 10 DMs/s): fan-out time, DMs sent and
counted failures, and the highest number of REST requests the fake saw in any one second
(Discord's global limit is 50/s). Phase 2: every reachable member opens the form, then
all are submitted at once: answers/s (until every member has their final answer, the
receipt), p50/p99 time to Discord's acknowledgement (Cercle defers a form at once), p99
time to the receipt, and CPU milliseconds per answer of the bot process, for Cercle and for a bare ``discord.Client`` answering
every modal with an ephemeral "ok". The order of the two rotates every round; then the
median (min–max) of each figure and of the ratios. Checks that every answer was stored
exactly once (exit status 1 otherwise, or if a process fails).

Run: ``python -m bench.feedback [--members 2000] [--rate 20] [--rounds 5] [--fast]
[--tree PATH]`` (``--fast`` skips the real pacing sleeps of phase 1 and reports the paced
schedule instead).
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

QUESTIONS = ["0-10: How likely are you to recommend the software to a peer?", "What hurts most?"]
VALUES = {"q1": "8", "q2": "Exports are slow on big projects"}
BOTS = ("cercle", "bare")


async def run_cercle(args: argparse.Namespace, folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Phases 1 and 2 with Cercle; returns the submit figures and the modals (for the bare run)."""
    async with children() as spawned:
        fake, info = await start_fake(spawned, members=args.members)
        extra = ["--fanout-rate", str(args.rate)] + (["--virtual-sleeps"] if args.fast else [])
        bot, _, _ = await start_bot(spawned, "cercle", info, tree=args.tree, database=fresh_file(folder, "cercle"),
                                    extra=extra)
        await fake.call("watch", on=True)
        result = await bot.call("campaign", admin_id=info["admin_id"], guild_id=info["guild_id"],
                                role_id=info["role_id"], channel_id=info["channel_id"], questions=QUESTIONS)
        peak = await fake.call("watch", on=False)
        paced = f", paced schedule {result['paced_s']:.1f} s" if args.fast else ""
        print(f"  phase 1 · campaign to {result['invited']} members: {result['sent']} DMs sent, {result['failed']} "
              f"unreachable ({result['failures']}) in {result['seconds']:.1f} s wall{paced} · peak {peak} REST "
              f"requests in one second ({'virtual sleeps: not meaningful' if args.fast else 'Discord allows 50/s'})")
        modals = await fake.call("open_forms")
        before = await bot.call("stats")
        run = await fake.call("submit_forms", values=VALUES)
        after = await bot.call("stats")
        stored = await bot.call("answers")
        await bot.stop()
        await fake.stop()
    run.update(per_second=run["count"] / run["seconds"], cpu_ms=cpu_ms_per(before, after, run["count"]),
               stored=stored, expected=len(modals))
    return run, modals


async def run_bare(args: argparse.Namespace, folder: Path, modals: list[dict[str, Any]]) -> dict[str, Any]:
    """A bare ``discord.Client`` acknowledging the same modals (same custom_ids and inputs) in DMs."""
    async with children() as spawned:
        fake, info = await start_fake(spawned, members=args.members)
        bot, _, _ = await start_bot(spawned, "bare", info, database=fresh_file(folder, "bare"))
        before = await bot.call("stats")
        run = await fake.call("submit_forms", values=VALUES, modals=modals)
        after = await bot.call("stats")
        await bot.stop()
        await fake.stop()
    run.update(per_second=run["count"] / run["seconds"], cpu_ms=cpu_ms_per(before, after, run["count"]))
    return run


def line(role: str, run: dict[str, Any]) -> str:
    return (f"  phase 2 · {role:>6}: {run['count']} answers in {run['seconds']:.2f} s = {run['per_second']:.0f}/s · "
            f"ack p50 {run['p50_ms']:.0f} ms · p99 {run['p99_ms']:.0f} ms · receipt p99 {run['done_p99_ms']:.0f} ms · "
            f"CPU {run['cpu_ms']:.3f} ms/answer")


async def main() -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fast", action="store_true", help="do not really sleep between DMs")
    parser.add_argument("--tree", default=None, help="Cercle's code tree (default: this checkout)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {role: [] for role in BOTS}
    modals: list[dict[str, Any]] = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for number, order in enumerate(orders(BOTS, args.rounds), start=1):
            print(f"round {number}:", flush=True)
            for role in order if modals else BOTS:  # the bare bot needs a Cercle run's modals first
                if role == "cercle":
                    run, modals = await run_cercle(args, Path(tmp))
                    stored = run["stored"]
                    print(f"           answers stored {stored['answers']}, dedupe keys {stored['keys']} "
                          f"(expected {run['expected']})")
                    ok = ok and stored["answers"] == stored["keys"] == run["expected"]
                else:
                    run = await run_bare(args, Path(tmp), modals)
                runs[role].append(run)
                print(line(role, run), flush=True)
    print("median (min–max) over rounds:")
    for role, rows in runs.items():
        print(f"  {role:>6}: {spread([r['per_second'] for r in rows], '/s', 0)} · p50 "
              f"{spread([r['p50_ms'] for r in rows], ' ms', 0)} · p99 {spread([r['p99_ms'] for r in rows], ' ms', 0)} · "
              f"receipt p99 {spread([r['done_p99_ms'] for r in rows], ' ms', 0)} · "
              f"CPU {spread([r['cpu_ms'] for r in rows], ' ms/answer', 3)}")
    cercle, bare = runs["cercle"], runs["bare"]
    print(f"  answers/s ratio Cercle/bare {spread(ratios([r['per_second'] for r in cercle], [r['per_second'] for r in bare]), '×', 2)}"
          f" · CPU per answer Cercle/bare {spread(ratios([r['cpu_ms'] for r in cercle], [r['cpu_ms'] for r in bare]), '×', 2)}"
          " (lower is better)")
    return 0 if ok else 1


if __name__ == "__main__":
    parent_main(main)
