"""The wire between a benchmark and its child processes (the fake Discord, each bot).

A child is a script run by path (``python bench/botproc.py …``) so it can put the code
tree under test first on ``sys.path``. It reads one JSON command per line on stdin and
writes one JSON answer per line on stdout (``{"ok": value}`` or ``{"error": text}``); its
logs go to stderr. The parent side, :class:`Child`, waits for every answer with a timeout
and kills the child on any failure, so a benchmark that fails exits promptly and non-zero
instead of hanging on a thread (an aiosqlite connection) that keeps a process alive.

Every child reports its own accounting: CPU seconds from ``resource.getrusage`` (user +
system, this process only) and its resident set from ``/proc/self/status``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ANSWER_TIMEOUT = 900.0  # seconds a child may take to answer one command (a 5,000-server start)

Command = Callable[..., Awaitable[Any]]


# --- child side ------------------------------------------------------------------------


def use_tree(tree: str | None) -> None:
    """Put the code tree under test (default: this checkout) first on ``sys.path``.
    Raises ``FileNotFoundError`` if it holds no ``bot/`` and ``cercle/`` (the installed
    package would be imported instead, silently)."""
    path = Path(tree).resolve() if tree else ROOT
    if not ((path / "bot").is_dir() and (path / "cercle").is_dir()):
        raise FileNotFoundError(f"{path} is not a Cercle code tree (no bot/ and cercle/)")
    sys.path.insert(0, str(path))


def cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used, from its own accounting."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    """This process's resident set size in bytes (``VmRSS`` of ``/proc/self/status``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class GcPauses:
    """Durations (seconds) of the garbage collector's runs, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._began)

    def take(self) -> dict[str, float]:
        """``count``, ``total_ms``, ``max_ms`` since the last take; resets."""
        pauses, self.pauses = self.pauses, []
        return {"count": len(pauses), "total_ms": sum(pauses) * 1000, "max_ms": max(pauses, default=0.0) * 1000}


def accounting() -> dict[str, float]:
    """What every child reports: its CPU seconds and RSS (bytes)."""
    return {"cpu_s": cpu_seconds(), "rss": rss_bytes()}


async def serve(commands: dict[str, Command]) -> None:
    """Answer commands from stdin until ``stop`` (whose handler, if any, runs first)."""
    loop = asyncio.get_running_loop()
    out = sys.stdout
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        request = json.loads(line)
        name, args = request["cmd"], request.get("args", {})
        try:
            handler = commands.get(name)
            if handler is None and name != "stop":
                raise KeyError(f"unknown command {name!r}")
            answer = {"ok": await handler(**args) if handler is not None else None}
        except Exception:
            answer = {"error": traceback.format_exc()}
        out.write(json.dumps(answer) + "\n")
        out.flush()
        if name == "stop":
            return


def child_main(main: Callable[[], Awaitable[None]]) -> None:
    """Run a child's ``main``; any failure prints its traceback and exits 1 at once (no
    waiting on threads a failed start left behind)."""
    code = 0
    try:
        asyncio.run(main())
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# --- parent side -----------------------------------------------------------------------


class ChildFailed(RuntimeError):
    """A child process answered with an error, died, or did not answer in time."""


class Child:
    """One child process speaking the wire; ``began`` is when it was exec'd (perf_counter)."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, began: float) -> None:
        self.name = name
        self.process = process
        self.began = began

    @classmethod
    async def spawn(cls, name: str, script: str, *args: str, env: dict[str, str] | None = None) -> Child:
        """Start ``python bench/<script> <args>`` with pipes for the wire."""
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(BENCH / script), *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})},
            limit=64 * 1024 * 1024,
        )
        return cls(name, process, began)

    async def answer(self, within: float = ANSWER_TIMEOUT) -> Any:
        """The next answer, within ``within`` seconds; raises :class:`ChildFailed` on an
        error, an exit or a timeout."""
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), within)
        except TimeoutError:
            raise ChildFailed(f"{self.name}: no answer within {within:.0f} s") from None
        if not line:
            code = await self.process.wait()
            raise ChildFailed(f"{self.name}: exited with status {code} (its stderr is above)")
        answer = json.loads(line)
        if "error" in answer:
            raise ChildFailed(f"{self.name} failed:\n{answer['error']}")
        return answer["ok"]

    async def call(self, cmd: str, within: float = ANSWER_TIMEOUT, **args: Any) -> Any:
        """Send ``cmd`` with keyword ``args`` and wait ``within`` seconds for its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
        await self.process.stdin.drain()
        return await self.answer(within)

    async def stop(self, within: float = 30.0) -> None:
        """Ask the child to stop and wait ``within`` seconds for it to exit; kill it if it does not."""
        with contextlib.suppress(ChildFailed, BrokenPipeError, ConnectionResetError):
            await self.call("stop", within=within)
        await self.kill(within)

    async def kill(self, grace: float = 5.0) -> None:
        """Make sure the child is gone (waits ``grace`` seconds, then kills it)."""
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def parent_main(main: Callable[[], Awaitable[int]]) -> None:
    """Run a benchmark's ``main`` (its exit status); a failure prints its traceback and
    exits 1 at once. Children are the benchmark's to stop (:func:`children`)."""
    code = 1
    try:
        code = asyncio.run(main())
    except BaseException:
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextlib.asynccontextmanager
async def children():
    """``async with children() as spawned:`` — every :class:`Child` appended to
    ``spawned`` is killed on the way out, whatever happened."""
    spawned: list[Child] = []
    try:
        yield spawned
    finally:
        for child in spawned:
            if child.process.returncode is None:
                child.process.kill()
                with contextlib.suppress(Exception):
                    await child.process.wait()
