"""Benchmark: 2,000 /help interactions through the fake Discord, Cercle vs a bare bot.

Prints throughput and p50/p99 time to acknowledge for Cercle and for a bare discord.py
bot answering a constant string, measured in the same run, and their ratios.
Target: Cercle ≥ 0.7 × the bare bot's throughput, p99 well under 3 s.

    python -m bench.interactions [--count 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bare_bot, ratio_line, run_burst, start_client  # noqa: E402
from bot.settings import Settings  # noqa: E402
from cercle.app import create_bot  # noqa: E402
from tests.e2e.harness import build_club  # noqa: E402
from tests.fakediscord import FakeDiscord  # noqa: E402


async def measure(fake: FakeDiscord, club, label: str, count: int, concurrency: int):
    users = [club.alice, club.bob, club.admin]

    async def one(i: int) -> float:
        reply = await fake.slash(users[i % len(users)], "help", guild=club.guild, wait=False)
        state = reply.state
        await asyncio.wait_for(state.acked.wait(), timeout=30)
        return state.ack_at - state.created

    await run_burst(label + "-warmup", min(50, count), concurrency, one)
    return await run_burst(label, count, concurrency, one)


async def main(count: int, concurrency: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    fake = await FakeDiscord().start()
    club = build_club(fake)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None, discord_token=fake.token, database_path=Path(folder) / "bench.sqlite3",
            anonymity_secret="bench-anonymity-secret-of-32-bytes-min", discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url,
        )
        bot = create_bot(settings, guild_ready_timeout=0.05)
        task = await start_client(bot, fake.token)
        await bot.tree.sync()
        cercle = await measure(fake, club, "cercle", count, concurrency)
        await bot.close()
        await task

    client, tree = bare_bot(fake)
    task = await start_client(client, fake.token)
    await tree.sync()
    bare = await measure(fake, club, "bare", count, concurrency)
    await client.close()
    await task
    await fake.stop()

    print(f"/help interactions: {count}, {concurrency} in flight, fake Discord on loopback")
    print(cercle.line())
    print(bare.line())
    print(ratio_line("throughput", cercle.throughput, bare.throughput))
    print(ratio_line("p99 time to acknowledge", cercle.percentile(99), bare.percentile(99), higher_is_better=False))
    target = "met" if cercle.throughput >= 0.7 * bare.throughput and cercle.percentile(99) < 1.0 else "NOT met"
    print(f"target (≥ 0.7 × bare throughput, p99 well under 3 s): {target}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.concurrency))
