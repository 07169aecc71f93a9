"""The database seam (docs/architecture.md, "Database"): :class:`Database` is the small
interface every store is written against, :class:`SqliteDatabase` its one implementation
(aiosqlite, one writer connection). A second engine (PostgreSQL, for hosted deployments
of many clubs) is another implementation of :class:`Database` plus dialect-specific SQL
in the stores, chosen by :attr:`Database.dialect`.


Pragmas (docs/architecture.md): WAL, ``synchronous=FULL``, ``foreign_keys=ON``,
``busy_timeout`` and ``secure_delete=ON`` on every connection. The connection runs in
autocommit mode; :meth:`Database.transaction` opens an explicit ``BEGIN IMMEDIATE`` so
several statements commit or roll back together. A lock serialises transactions on the
one connection, so two coroutines never interleave inside one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import aiosqlite

from bot.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA secure_delete=ON",
)


Params = Sequence[Any] | dict[str, Any]
"""Statement parameters: a sequence for ``?`` placeholders, a mapping for ``:name``."""


class Row(Protocol):
    """A result row: columns by position (``row[0]``) or by name (``row["id"]``)."""

    def __getitem__(self, key: int | str, /) -> Any:
        """The column at ``key`` (``IndexError`` for an unknown position or name)."""
        ...

    def keys(self) -> list[str]:
        """The column names, in order."""
        ...

    def __iter__(self) -> Iterator[Any]:
        """The column values, in order."""
        ...

    def __len__(self) -> int:
        """How many columns."""
        ...


class Cursor(Protocol):
    """What a statement run inside :meth:`Database.transaction` returns."""

    @property
    def rowcount(self) -> int:
        """Rows changed by a write statement (-1 when the engine does not know)."""
        ...

    @property
    def lastrowid(self) -> int | None:
        """The id of the row an ``INSERT`` created (SQLite's rowid)."""
        ...

    async def fetchone(self) -> Any:
        """The next :class:`Row`, or ``None``."""
        ...

    async def fetchall(self) -> Iterable[Any]:
        """The remaining :class:`Row` objects."""
        ...

    async def close(self) -> None:
        """Release the statement."""
        ...


class Connection(Protocol):
    """The connection a transaction block works on (``async with db.transaction() as conn``)."""

    def execute(self, sql: str, parameters: Iterable[Any] | None = None, /) -> Any:
        """Run one statement; await it for a :class:`Cursor`."""
        ...

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]], /) -> Any:
        """Run one statement per parameter row; await it."""
        ...


class Database(Protocol):
    """The interface stores and services reach the database through.

    Every method raises the engine's errors (``sqlite3.Error`` for SQLite). Writes outside
    :meth:`transaction` commit on their own. Instants are stored as Unix seconds (UTC).
    """

    dialect: Literal["sqlite", "postgresql"]
    """Which SQL dialect the stores must speak to this database."""

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """``async with db.transaction() as conn:`` — one atomic write transaction, taken
        for writing at its start (SQLite ``BEGIN IMMEDIATE``; a second engine takes the
        matching isolation or row locks). Rolls back when the block raises."""
        ...

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run ``fn(engine_connection, *args)`` in one hop, for hot paths (engine-specific:
        the function is written for the engine's own driver)."""
        ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement; returns the id of the row it created (0 if none)."""
        ...

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        """One write statement; returns how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for many parameter rows, in one transaction."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        """The first :class:`Row` of a query, or ``None``."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        """Every :class:`Row` of a query."""
        ...

    async def fetchval(self, sql: str, params: Params = (), default: Any = None) -> Any:
        """The first column of the first row, or ``default``."""
        ...

    async def backup_to(self, target: Path | str) -> Path:
        """Write a consistent copy to ``target`` while the bot runs; ``FileExistsError``
        if it exists."""
        ...

    async def close(self) -> None:
        """Close every connection (idempotent)."""
        ...


class SqliteDatabase:
    """:class:`Database` on SQLite: one aiosqlite connection with Cercle's pragmas.

    ``path`` is a file path (its directory is created). Rows come back as ``sqlite3.Row``.
    Methods raise ``sqlite3.Error`` subclasses as aiosqlite does.
    """

    dialect: Literal["sqlite", "postgresql"] = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._hot: sqlite3.Connection | None = None
        self._hot_thread: ThreadPoolExecutor | None = None

    async def connect(self) -> SqliteDatabase:
        """Open the connection and apply the pragmas; returns ``self``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            for pragma in PRAGMAS:
                cursor = await conn.execute(pragma)
                await cursor.close()  # an unread pragma result keeps a statement open (blocks VACUUM)
        except BaseException:
            # Not a database, or unreadable: close, or the worker thread keeps the process alive.
            await conn.close()
            raise
        self._conn = conn
        return self

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection; raises ``RuntimeError`` before :meth:`connect`."""
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def close(self) -> None:
        """Close the connections (idempotent, also when two closes race)."""
        conn, self._conn = self._conn, None
        hot, self._hot = self._hot, None
        thread, self._hot_thread = self._hot_thread, None
        if hot is not None and thread is not None:
            await asyncio.get_running_loop().run_in_executor(thread, hot.close)
        if thread is not None:
            thread.shutdown(wait=True)
        if conn is not None:
            await conn.close()

    def _open_hot(self) -> sqlite3.Connection:
        hot = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        hot.row_factory = sqlite3.Row
        for pragma in PRAGMAS:
            hot.execute(pragma).close()
        return hot

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` — BEGIN IMMEDIATE … COMMIT, ROLLBACK on error.

        Raises :class:`bot.errors.Unavailable` when another process holds the database past
        the busy timeout (:data:`BUSY_TIMEOUT_MS`): nothing of the transaction is stored."""
        async with self._lock, _busy_is_unavailable():
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        """Run ``fn(sqlite3_connection, *args)`` in one hop, under the lock — for hot paths
        that chain several statements (a burst of poll votes) without going back to the
        event loop between them. ``fn`` manages its own transaction (``BEGIN IMMEDIATE`` …
        ``COMMIT``/``ROLLBACK``) and must only use SQLite.

        It runs on a second connection to the same file (same pragmas), opened on first use
        in a thread of its own: aiosqlite has no public way to run a function in its thread.
        The lock keeps it from ever writing while the main connection does. Raises
        ``RuntimeError`` for an in-memory database (a second connection would see another one).
        """
        if str(self.path) == ":memory:":
            raise RuntimeError("Database.run needs a database file")
        async with self._lock:
            self.conn  # noqa: B018 - raises RuntimeError before connect(), as every method does
            loop = asyncio.get_running_loop()
            if self._hot_thread is None:
                self._hot_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cercle-db-hot")
            if self._hot is None:
                self._hot = await loop.run_in_executor(self._hot_thread, self._open_hot)
            return await loop.run_in_executor(self._hot_thread, fn, self._hot, *args)

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement in its own transaction; returns ``lastrowid``. Raises
        :class:`bot.errors.Unavailable` when the database stays busy."""
        async with self._lock, _busy_is_unavailable():
            cursor = await self.conn.execute(sql, params)
            rowid = cursor.lastrowid
            await cursor.close()
            return rowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement; returns how many rows it changed. Raises
        :class:`bot.errors.Unavailable` when the database stays busy."""
        async with self._lock, _busy_is_unavailable():
            cursor = await self.conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
            return count

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows inside one transaction."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        """First row of a query, or ``None``."""
        async with self._lock:
            cursor = await self.conn.execute(sql, params)
            row = await cursor.fetchone()
            await cursor.close()
            return row

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        async with self._lock:
            cursor = await self.conn.execute(sql, params)
            rows = await cursor.fetchall()
            await cursor.close()
            return list(rows)

    async def fetchval(self, sql: str, params: Sequence[Any] | dict[str, Any] = (), default: Any = None) -> Any:
        """First column of the first row, or ``default``."""
        row = await self.fetchone(sql, params)
        return default if row is None else row[0]

    async def backup_to(self, target: Path | str) -> Path:
        """Write a consistent copy with ``VACUUM INTO`` (safe while the bot runs).

        Raises ``FileExistsError`` if ``target`` exists (SQLite refuses to overwrite).
        """
        target = Path(target)
        if target.exists():
            raise FileExistsError(str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            cursor = await self.conn.execute("VACUUM INTO ?", (str(target),))
            await cursor.close()
        return target


@contextlib.asynccontextmanager
async def _busy_is_unavailable() -> AsyncIterator[None]:
    """SQLite's "database is locked" / "busy" after ``busy_timeout`` becomes
    :class:`bot.errors.Unavailable` (a member-safe error: the member may try again)."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            log.warning("database busy past %d ms: %s", BUSY_TIMEOUT_MS, exc)
            raise Unavailable("error.busy") from exc
        raise


async def truncate_wal(db: Database, why: str) -> bool:
    """Best effort: fold the WAL into the database file and truncate it (``PRAGMA
    wal_checkpoint(TRUNCATE)``), so rows a seal or a cohort release just erased (with
    ``secure_delete``) leave no copy in the WAL (docs/anonymity.md). ``why`` names the
    occasion in the log. ``False`` when SQLite could not complete it (a busy reader only
    delays it to SQLite's next checkpoint); never raises."""
    try:
        row = await db.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception as exc:
        log.info("WAL checkpoint after %s did not complete (%s)", why, type(exc).__name__)
        return False
    busy = row is not None and int(row[0]) != 0
    if busy:
        log.info("WAL checkpoint after %s did not complete (busy)", why)
    return not busy


def _conforms(db: SqliteDatabase) -> Database:
    """Type check only: :class:`SqliteDatabase` implements :class:`Database` (mypy fails here otherwise)."""
    return db
