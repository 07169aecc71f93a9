"""Shared pieces of the benchmarks: a fake Discord, a bare discord.py bot as baseline,
and latency statistics. Benchmarks print figures and ratios measured in the same run;
they assert nothing about speed."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord
import yarl
from discord import app_commands


@dataclass
class Figures:
    """Throughput (per second) and acknowledgement latencies (seconds) of one run."""

    label: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def line(self) -> str:
        return (
            f"{self.label:<10} {self.count:>6} in {self.seconds:6.2f} s  {self.throughput:8.1f}/s  "
            f"p50 {self.percentile(50) * 1000:7.1f} ms  p99 {self.percentile(99) * 1000:7.1f} ms  "
            f"mean {statistics.fmean(self.latencies) * 1000 if self.latencies else 0:7.1f} ms"
        )


async def run_burst(label: str, count: int, concurrency: int, one: Callable[[int], Awaitable[float]]) -> Figures:
    """Run ``one(i)`` ``count`` times with at most ``concurrency`` in flight; each returns its latency."""
    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def guarded(i: int) -> None:
        async with semaphore:
            latencies.append(await one(i))

    start = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(count)))
    return Figures(label, count, time.perf_counter() - start, latencies)


def bare_bot(fake, answer: str = "pong") -> tuple[discord.Client, app_commands.CommandTree]:
    """A bare discord.py bot with one /help command answering a constant string."""
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="help", description="constant answer")
    async def help_command(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(answer, ephemeral=True)

    return client, tree


async def start_client(client: discord.Client, token: str) -> asyncio.Task:
    """Start a client and wait until it is ready."""
    task = asyncio.create_task(client.start(token))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    return task


def ratio_line(name: str, cercle: float, bare: float, *, higher_is_better: bool = True) -> str:
    """``name: cercle / bare = r``."""
    ratio = cercle / bare if bare else float("nan")
    return f"{name}: Cercle/bare = {ratio:.2f}" + ("" if higher_is_better else " (lower is better)")
