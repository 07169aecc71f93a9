"""Shared pieces of the benchmarks (parent side): starting the fake Discord and each bot
in its own process, filling databases, and the statistics printed over rounds.

Benchmarks print figures, their median and spread over rounds, and ratios measured in
the same run; they assert nothing about speed. Each exits non-zero, promptly, when a bot
or the fake fails (bench/_wire.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._wire import BENCH, Child

CACHE = Path(os.environ.get("CERCLE_BENCH_CACHE", "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir()))
MB = 1024 * 1024


def spread(values: Sequence[float], unit: str = "", digits: int = 1) -> str:
    """``median (min–max)`` of ``values``, e.g. ``12.3 ms (11.9–13.0)``."""
    if not values:
        return "n/a"
    fmt = f"{{:.{digits}f}}"
    med = fmt.format(statistics.median(values))
    return f"{med}{unit} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Round-by-round ratios (the rounds pair the bots measured back to back)."""
    return [n / d if d else float("nan") for n, d in zip(numerator, denominator, strict=True)]


def orders(names: Sequence[str], rounds: int) -> list[list[str]]:
    """The order of the bots in each round: rotated every round, so none always goes first."""
    return [list(names[r % len(names):]) + list(names[: r % len(names)]) for r in range(rounds)]


def tree_args(tree: str | None) -> list[str]:
    return ["--tree", tree] if tree else []


async def start_fake(spawned: list[Child], *, guilds: int = 0, members: int = 0) -> tuple[Child, dict[str, Any]]:
    """The fake Discord in its own process; returns it and its ``info``."""
    fake = await Child.spawn("fake Discord", "fakeproc.py", "--guilds", str(guilds), "--members", str(members))
    spawned.append(fake)
    return fake, await fake.call("info")


async def start_bot(spawned: list[Child], role: str, info: dict[str, Any], *, tree: str | None = None,
                    database: Path | None = None, extra: Sequence[str] = ()) -> tuple[Child, dict[str, Any], float]:
    """Exec a bot of ``role`` and wait until it is ready; returns it, its ``ready``
    figures and the seconds from exec to ready (the parent's clock)."""
    args = [role, "--info", json.dumps(info), *tree_args(tree), *extra]
    if database is not None:
        args += ["--database", str(database)]
    bot = await Child.spawn(role, "botproc.py", *args)
    spawned.append(bot)
    ready = await bot.call("ready")
    return bot, ready, time.perf_counter() - bot.began


def cached(guilds: int, meetings: int, polls: int, tree: str | None) -> tuple[Path, Path, int | None]:
    """The cache's database and figures files for one fill, and its job count if it is
    there (else the stale files are removed)."""
    label = Path(tree).resolve().name if tree else "here"
    path = CACHE / f"cercle-bench-{label}-{guilds}g-{meetings}m-{polls}p.sqlite3"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, meta, json.loads(meta.read_text())["jobs"]
    for stale in (path, meta, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    return path, meta, None


async def filled(guilds: int, *, meetings: int = 10, polls: int = 10, tree: str | None = None) -> tuple[Path, int]:
    """A database of ``guilds`` clubs with the per-club schedule of bench/fill.py, filled
    once and kept in :data:`CACHE` (``CERCLE_BENCH_CACHE``); returns its path and job count."""
    path, meta, jobs = cached(guilds, meetings, polls, tree)
    if jobs is not None:
        return path, jobs
    print(f"filling {guilds} clubs ({meetings} meetings + {polls} polls each) into {path} …", flush=True)
    child = await Child.spawn("fill", "fill.py", "--database", str(path), "--guilds", str(guilds),
                              "--meetings", str(meetings), "--polls", str(polls), *tree_args(tree))
    try:
        figures = await child.answer()
    finally:
        await child.kill(30.0)
    if child.process.returncode != 0:
        raise RuntimeError(f"filling the database failed (status {child.process.returncode})")
    meta.write_text(json.dumps(figures))
    print(f"  filled in {figures['seconds']:.0f} s: {figures['jobs']} jobs", flush=True)
    return path, figures["jobs"]


def fresh_copy(source: Path, folder: Path, name: str = "bot.sqlite3") -> Path:
    """A private copy of ``source`` in ``folder`` (SQLite's backup API), so each bot starts
    from the same untouched database."""
    target = folder / name
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def fresh_file(folder: Path, name: str) -> Path:
    """``folder/<name>.sqlite3``, with whatever an earlier round left there removed."""
    target = folder / f"{name}.sqlite3"
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    return target


def cpu_ms_per(before: dict[str, Any], after: dict[str, Any], count: int) -> float:
    """CPU milliseconds per operation between two ``stats`` of one process."""
    return (after["cpu_s"] - before["cpu_s"]) * 1000 / count if count else float("nan")


__all__ = ["BENCH", "MB", "cpu_ms_per", "filled", "fresh_copy", "fresh_file", "orders", "ratios", "spread", "start_bot", "start_fake"]
