"""The fake Discord of the benchmarks, in its own process (bench/_wire.py), so its CPU is
never charged to a bot: on Discord the bot's machine only runs the bot.

``python bench/fakeproc.py --guilds G --members M`` serves one fake (tests/fakediscord
of this checkout) with G extra clubs (a role, three members and a channel each) and one
bench club (an admin, M members, a channel and the e2e club's members for /help), then
answers: ``info``, ``bare_poll`` (a message with three buttons, for the bare bots),
``clicks`` (a burst of poll clicks), ``slashes`` (a burst of /help), ``edits``, and for
the feedback benchmark (members in a "Members" role, every 20th with DMs closed)
``watch`` (the peak of REST requests per second), ``open_forms`` and ``submit_forms``;
``stop``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._wire import accounting, child_main, serve  # noqa: E402
from tests.e2e.harness import build_club  # noqa: E402
from tests.fakediscord import FakeDiscord, P  # noqa: E402

LABELS = ("1. Export", "2. Search", "3. Reports")


def plan(people: list, per_member: int, seed: int = 7) -> list:
    """``(member, label)`` clicks: each member picks ``per_member`` different choices; shuffled."""
    clicks = [(m, LABELS[(i + k) % len(LABELS)]) for i, m in enumerate(people) for k in range(per_member)]
    random.Random(seed).shuffle(clicks)
    return clicks


def quantiles(latencies: list[float]) -> dict[str, float]:
    """p50 / p99 / max of ``latencies`` (seconds), in milliseconds."""
    ordered = sorted(latencies)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")

    return {"p50_ms": q(0.5), "p99_ms": q(0.99), "max_ms": ordered[-1] * 1000 if ordered else float("nan")}


class World:
    """The fake and its clubs."""

    def __init__(self, guilds: int, members: int) -> None:
        self.guilds, self.members = guilds, members

    async def start(self) -> None:
        fake = self.fake = await FakeDiscord().start()
        fake.lenient_deadline = True  # measure late acks instead of failing them
        for index in range(self.guilds):
            guild = fake.add_guild(f"Club {index}")
            role = fake.add_role(guild, "Admin", P.MANAGE_GUILD)
            for name in ("admin", "alice", "bob"):
                fake.add_member(guild, fake.add_user(f"{name}{index}"), [role] if name == "admin" else [])
            fake.add_channel(guild, "meetings")
        self.club = build_club(fake, name="Bench club")
        self.channel = fake.add_channel(self.club.guild, "annonces")
        self.role = fake.add_role(self.club.guild, "Members")
        self.people = [fake.add_member(self.club.guild, fake.add_user(f"m{i}", dms_open=i % 20 != 7), [self.role])
                       for i in range(self.members)]
        self.forms: list[tuple[Any, Any]] = []
        self._watch: asyncio.Task[int] | None = None
        self._watching = asyncio.Event()

    async def info(self) -> dict[str, Any]:
        fake, club = self.fake, self.club
        return {"token": fake.token, "api_base": fake.api_base, "gateway_url": fake.gateway_url,
                "guild_id": club.guild.id, "admin_id": club.admin.id, "channel_id": self.channel.id,
                "role_id": self.role.id, "guilds": len(fake.guilds)}

    async def bare_poll(self) -> int:
        components = [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": label, "custom_id": f"bare:{i}"} for i, label in enumerate(LABELS)
        ]}]
        message = await self.fake.post_as(self.fake.bot_user, self.channel, {"content": "poll", "components": components})
        return message.id

    async def clicks(self, message_id: int, per_member: int, rate: float | None) -> dict[str, Any]:
        """Every member clicks ``per_member`` choices (paced at ``rate``/s, or all at once);
        waits for every acknowledgement. Returns seconds, count and latency quantiles."""
        fake = self.fake
        message = fake.messages[message_id]
        fake.ack_latencies.clear()
        began = time.perf_counter()
        replies = []
        for index, (member, label) in enumerate(plan(self.people, per_member)):
            if rate:
                delay = began + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            replies.append(await fake.click(member, message, label=label, wait=False))
        await asyncio.wait_for(asyncio.gather(*(r.state.acked.wait() for r in replies)), timeout=300)
        seconds = time.perf_counter() - began
        return {"seconds": seconds, "count": len(replies), **quantiles(list(fake.ack_latencies))}

    async def slashes(self, count: int, concurrency: int) -> dict[str, Any]:
        """``count`` /help from three members in turn (a member, a French member, a
        moderator) with at most ``concurrency`` in flight; also the replies' mean size
        (characters of their serialised content and embeds)."""
        club, fake = self.club, self.fake
        users = [club.alice, club.bob, club.admin]
        semaphore = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        replies: list[Any] = []

        async def one(i: int) -> None:
            async with semaphore:
                reply = await fake.slash(users[i % len(users)], "help", guild=club.guild, wait=False)
                await asyncio.wait_for(reply.state.acked.wait(), timeout=30)
                assert reply.state.ack_at is not None
                latencies.append(reply.state.ack_at - reply.state.created)
                replies.append(reply)

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        seconds = time.perf_counter() - began
        await fake.settle()
        sizes = [len(json.dumps({"content": r.message.data.get("content"), "embeds": r.message.data.get("embeds")}))
                 for r in replies if r.message is not None]
        return {"seconds": seconds, "count": count, "reply_chars": round(sum(sizes) / max(1, len(sizes))),
                **quantiles(latencies)}

    async def watch(self, on: bool) -> int:
        """Start watching the REST request rate (``on``), or stop and return the highest
        count of requests in any sliding second."""
        if on:
            self._watching.clear()
            self._watch = asyncio.create_task(self._peak())
            return 0
        assert self._watch is not None
        self._watching.set()
        return await self._watch

    async def _peak(self) -> int:
        stamps: list[tuple[float, int]] = []
        while not self._watching.is_set():
            stamps.append((time.perf_counter(), len(self.fake.requests)))
            await asyncio.sleep(0.05)
        best, j = 0, 0
        for t_i, n_i in stamps:
            while stamps[j][0] < t_i - 1.0:
                j += 1
            best = max(best, n_i - stamps[j][1])
        return best

    async def open_forms(self) -> list[dict[str, Any]]:
        """Every reachable member clicks "Answer" on their last DM; returns the modals."""
        self.forms = []
        for member in (p for p in self.people if p.dms_open):
            invite = self.fake.dms_to(member)[-1]
            self.forms.append((member, await self.fake.click(member, invite, label="Answer", wait=True)))
        return [form.modal for _, form in self.forms]

    async def submit_forms(self, values: dict[str, str], modals: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Submit every form at once (the opened ones, or ``modals`` in each reachable
        member's DM channel for a bare bot); waits for every acknowledgement."""
        fake = self.fake
        if modals is None:
            forms = [(member, form, {}) for member, form in self.forms]
        else:
            reachable = [p for p in self.people if p.dms_open]
            forms = [(m, modal, {"channel": fake.dm_channel(m)}) for m, modal in zip(reachable, modals, strict=True)]
        fake.ack_latencies.clear()
        began = time.perf_counter()
        replies = [await fake.submit_modal(member, form, values, wait=False, **kw) for member, form, kw in forms]
        finished: list[float] = []

        async def final(reply: Any) -> None:  # the receipt (a deferred answer's followup), not only the ack
            await reply.state.done.wait()
            finished.append(time.monotonic() - reply.state.created)

        await asyncio.wait_for(asyncio.gather(*(final(r) for r in replies)), timeout=300)
        seconds = time.perf_counter() - began
        done = {f"done_{key}": value for key, value in quantiles(finished).items()}
        return {"seconds": seconds, "count": len(replies), **quantiles(list(fake.ack_latencies)), **done}

    async def edits(self, message_id: int) -> int:
        await self.fake.settle()
        return self.fake.edit_counts.get(message_id, 0)

    async def stop(self) -> None:
        await self.fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=0)
    parser.add_argument("--members", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    world = World(args.guilds, args.members)
    await world.start()

    async def stats() -> dict[str, float]:
        return accounting()

    await serve({"info": world.info, "bare_poll": world.bare_poll, "clicks": world.clicks, "slashes": world.slashes,
                 "edits": world.edits, "watch": world.watch, "open_forms": world.open_forms,
                 "submit_forms": world.submit_forms, "stats": stats, "stop": world.stop})


if __name__ == "__main__":
    child_main(main)
