"""One bot of the benchmarks, in its own process (bench/_wire.py).

``python bench/botproc.py ROLE --info JSON [--tree PATH] [--database FILE]`` where ROLE is

- ``cercle``: Cercle from the code tree ``--tree`` (default: this checkout) on ``--database``;
- ``bare``: a bare ``discord.Client`` answering every interaction with an ephemeral "ok";
- ``bare-sqlite``: the same, storing each vote durably first (one row per click, one
  committed transaction each, WAL and ``synchronous=FULL`` as Cercle's database);
- ``bare-help``: a bare bot whose /help sends ``--help-chars`` characters (Cercle's size).

It answers ``ready`` once connected (its accounting, GC figures and which heavy modules
are loaded), then ``stats``, ``sync`` (commands), ``setup_poll``, ``tally``, ``campaign``
and ``answers`` (Cercle), ``stop``. Both bots use Cercle's intents and the same ``guild_ready_timeout``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _wire import GcPauses, accounting, child_main, serve, use_tree

SECRET = b"bench-anonymity-secret-of-32-bytes-min"
GUILD_READY_TIMEOUT = 0.2
HEAVY = ("matplotlib", "numpy", "dateparser", "PIL")


def loaded_heavy() -> list[str]:
    """Which heavy libraries this process has imported so far."""
    return [name for name in HEAVY if name in sys.modules]


def point(info: dict[str, Any]) -> None:
    """Point discord.py at the fake described by ``info``."""
    import discord
    import yarl

    discord.http.Route.BASE = info["api_base"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(info["gateway_url"])


def intents():
    """Cercle's intents (cercle/app.py ``cercle_intents``), for every bot alike."""
    import discord

    chosen = discord.Intents.none()
    chosen.guilds = chosen.members = chosen.guild_messages = chosen.dm_messages = True
    chosen.guild_scheduled_events = True
    return chosen


def help_message(chars: int) -> dict[str, Any]:
    """A reply of about ``chars`` characters (serialised content + one embed), as Cercle's /help."""
    import discord

    text = ("Cercle keeps the club alive between meetings. " * 200)
    content = text[: min(1900, max(0, chars - 200))]
    rest = max(1, min(4000, chars - len(content) - 60))
    return {"content": content, "embed": discord.Embed(title="Help", description=text[:rest]), "ephemeral": True}


async def bare_client(role: str, args: argparse.Namespace, gc_pauses: GcPauses) -> dict[str, Any]:
    """Start a bare bot of ``role``; returns the wire's commands."""
    import discord
    from discord import app_commands

    client = discord.Client(intents=intents(), guild_ready_timeout=GUILD_READY_TIMEOUT)
    tree = app_commands.CommandTree(client)
    db = None
    if role == "bare-sqlite":
        import aiosqlite

        db = await aiosqlite.connect(args.database or Path(tempfile.mkdtemp()) / "bare.sqlite3")
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute("CREATE TABLE IF NOT EXISTS votes (user_id INTEGER, message_id INTEGER, choice TEXT, at REAL)")
        await db.commit()

    if role == "bare-help":
        reply = help_message(args.help_chars)

        @tree.command(name="help", description="help of the size of Cercle's")
        async def help_command(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(**reply)
    else:
        @client.event
        async def on_interaction(interaction: discord.Interaction) -> None:
            if db is not None:
                custom_id = (interaction.data or {}).get("custom_id", "")
                message_id = interaction.message.id if interaction.message else 0
                await db.execute("INSERT INTO votes VALUES (?, ?, ?, ?)",
                                 (interaction.user.id, message_id, custom_id, time.time()))
                await db.commit()
            await interaction.response.send_message("ok", ephemeral=True)

    task = asyncio.create_task(client.start(args.token))
    await wait_ready(client, task)

    async def sync() -> int:
        return len(await tree.sync())

    async def stop() -> None:
        await client.close()
        await asyncio.wait_for(task, 30)
        if db is not None:
            await db.close()

    return {"sync": sync, "stop": stop, "stats": lambda: stats(gc_pauses), "held": nothing}


async def nothing() -> int:
    return 0


async def stats(gc_pauses: GcPauses) -> dict[str, Any]:
    """Accounting, GC pauses since the last call, object count and heavy modules loaded."""
    return {**accounting(), "gc": gc_pauses.take(), "objects": len(gc.get_objects()), "heavy": loaded_heavy()}


async def wait_ready(client, task: asyncio.Task) -> None:
    """Wait for ``client`` to be ready; re-raise the start's failure if it ends first."""
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=900, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    if ready not in done:
        raise TimeoutError("the bot was not ready within 900 s")


def feedback_commands(bot, paced: list[float]) -> dict[str, Any]:
    """Cercle's commands for bench/feedback.py: launch a campaign, count the answers."""
    from bot.actor import Actor

    async def campaign(admin_id: int, guild_id: int, role_id: int, channel_id: int, questions: list[str]) -> dict:
        service = bot.services.feedback
        moderator = Actor(user_id=admin_id, guild_id=guild_id, manage_guild=True)
        await bot.ctx.club.update(moderator, feedback_channel_id=channel_id)
        began = time.perf_counter()
        draft = await service.draft_campaign(moderator, title="Bench campaign", closes="in 7 days", audience_role_id=role_id)
        result = await service.launch_campaign(moderator, draft, questions)
        return {"invited": result.invited, "sent": result.sent, "failed": result.failed, "failures": str(result.failures),
                "seconds": time.perf_counter() - began, "paced_s": sum(paced)}

    async def answers() -> dict[str, int]:
        db = bot.ctx.db
        cohorts = await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = 'feedback_pending'")
        waiting = "(SELECT COUNT(*) FROM feedback_pending) + " if cohorts else ""  # a tree from before cohorts
        return {"answers": await db.fetchval(  # waiting for their cohort, or released
            f"SELECT {waiting}(SELECT COUNT(*) FROM feedback_answers)"),
                "keys": await db.fetchval("SELECT COUNT(*) FROM feedback_dedupe")}

    return {"campaign": campaign, "answers": answers}


async def cercle(args: argparse.Namespace, gc_pauses: GcPauses) -> dict[str, Any]:
    """Start Cercle from the tree under test; returns the wire's commands."""
    from bot.actor import Actor
    from bot.clock import SystemClock
    from bot.polls import store
    from bot.settings import Settings
    from cercle.app import create_bot

    settings = Settings(
        _env_file=None, discord_token=args.token, database_path=Path(args.database), anonymity_secret=SECRET.decode(),
        discord_api_base=args.api_base, discord_gateway_url=args.gateway_url, default_timezone="Europe/Paris",
        default_locale="en",
    )
    paced: list[float] = []

    async def virtual_sleep(seconds: float) -> None:
        paced.append(seconds)

    options: dict[str, Any] = {"fanout_rate": args.fanout_rate} if args.fanout_rate else {}
    if args.virtual_sleeps:
        options["fanout_sleep"] = virtual_sleep
    bot = create_bot(settings, clock=SystemClock(), secret=SECRET, guild_ready_timeout=GUILD_READY_TIMEOUT, **options)
    task = asyncio.create_task(bot.start(args.token))
    await wait_ready(bot, task)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()

    async def setup_poll(admin_id: int, guild_id: int, channel_id: int, per_member: int) -> dict[str, int]:
        service = bot.services.polls
        admin = Actor(admin_id, guild_id, manage_guild=True)
        await bot.ctx.club.update(admin, announcements_channel_id=channel_id)
        draft = await service.prepare(admin, max_choices=per_member, anonymous=True, show_results="live")
        poll = await service.create(admin, draft, question="Which feature hurts most?", choices="Export\nSearch\nReports")
        return {"poll_id": poll.id, "message_id": poll.message_id}

    async def tally(poll_id: int) -> int:
        return (await store.tally(bot.ctx.db, poll_id, 3)).total

    async def sync() -> int:
        return len(await bot.tree.sync())

    async def held() -> int:
        scheduler = bot.ctx.scheduler
        return scheduler.held() if hasattr(scheduler, "held") else len(scheduler.pending())

    async def stop() -> None:
        await bot.close()
        await asyncio.wait_for(task, 30)

    return {"setup_poll": setup_poll, **feedback_commands(bot, paced), "tally": tally, "sync": sync, "held": held, "stop": stop,
            "stats": lambda: stats(gc_pauses)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("cercle", "bare", "bare-sqlite", "bare-help"))
    parser.add_argument("--info", required=True, help="the fake's info as JSON")
    parser.add_argument("--tree", default=None, help="the code tree of Cercle (default: this checkout)")
    parser.add_argument("--database", default=None)
    parser.add_argument("--help-chars", type=int, default=1000)
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once ready (to evaluate it)")
    parser.add_argument("--fanout-rate", type=float, default=None, help="DM fan-out pace, requests/s")
    parser.add_argument("--virtual-sleeps", action="store_true", help="do not really sleep between DMs")
    args = parser.parse_args()
    use_tree(args.tree)
    info = json.loads(args.info)
    args.token, args.api_base, args.gateway_url = info["token"], info["api_base"], info["gateway_url"]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    gc_pauses = GcPauses()
    point(info)
    commands = await (cercle(args, gc_pauses) if args.role == "cercle" else bare_client(args.role, args, gc_pauses))
    gc_pauses.take()
    if os.environ.get("CERCLE_BENCH_FAIL_AFTER_READY"):  # tests/test_bench_smoke.py: a bot failing while running
        raise RuntimeError("CERCLE_BENCH_FAIL_AFTER_READY: failing with the bot and its database still open")

    async def ready() -> dict[str, Any]:
        return await stats(gc_pauses)

    await serve({"ready": ready, **commands})


if __name__ == "__main__":
    child_main(main)
