"""Schema migrations from ``migrations/NNNN_name.sql``, applied in order.

The schema version lives in the database (``PRAGMA user_version``), set inside the same
transaction as the change, so a failing migration leaves the schema as it was
(docs/architecture.md). Statements run one by one inside one explicit transaction because
``executescript`` would commit on its own.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.db import Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """A migration could not be applied; the message names the file and SQLite's reason."""


class ForeignDatabase(MigrationError):
    """The file is an SQLite database of another application: nothing was changed.
    ``tables`` lists (some of) its tables."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(f"it holds another application's tables ({', '.join(tables[:5])}) and no Cercle schema")
        self.tables = tables


FIRST_TABLE = "club_settings"
"""A table the first migration creates: a database at version ≥ 1 without it is not Cercle's."""


@dataclass(frozen=True)
class Migration:
    """One migration file: ``version`` (its number), ``name`` and the SQL ``statements``."""

    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements with ``sqlite3.complete_statement``."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            text = buffer.strip()
            if text and text != ";":
                statements.append(text)
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise MigrationError("incomplete SQL statement at the end of the file")
    return statements


def discover(directory: Path | None = None) -> list[Migration]:
    """Read every migration of ``directory`` (default: the packaged ``migrations``).

    A migration is exactly a regular file named ``NNNN_name.sql``; anything else in the
    folder (``__pycache__``, ``__init__.py``, backups) is ignored. Raises :class:`MigrationError` when numbers are not contiguous from 1.
    """
    root: Traversable = resources.files("migrations") if directory is None else Path(directory)
    found: list[Migration] = []
    for entry in root.iterdir():
        # Only NNNN_name.sql files count: Python writes __pycache__/ into the package when
        # it is imported, pip compiles it at install, editors leave backups beside.
        match = _NAME.match(entry.name)
        if not match or not entry.is_file():
            continue
        name, text = entry.name, entry.read_text(encoding="utf-8")
        try:
            statements = tuple(split_statements(text))
        except MigrationError as exc:
            raise MigrationError(f"{name}: {exc}") from None
        found.append(Migration(int(match.group(1)), match.group(2), statements))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration numbers must be contiguous: expected {expected:04d}, found {migration.version:04d}")
    return found


def is_foreign(version: int, tables: list[str]) -> bool:
    """Whether a database at schema ``version`` holding ``tables`` belongs to another
    application: tables but no version, or a version but not Cercle's first table."""
    return (version == 0 and bool(tables)) or (version > 0 and FIRST_TABLE not in tables)


def probe(path: Path) -> tuple[int, list[str]] | None:
    """``(user_version, tables)`` of the SQLite file ``path`` read without writing
    anything (read-only, no pragma that persists), or ``None`` for a missing or empty file.
    Raises ``sqlite3.Error`` when it cannot be read as a database."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return version, [str(name) for (name,) in rows]


async def current_version(db: Database) -> int:
    """The schema version stored in the database file."""
    return int(await db.fetchval("PRAGMA user_version", default=0))


async def migrate(db: Database, directory: Path | None = None) -> list[int]:
    """Apply every pending migration; returns the versions applied.

    Raises :class:`ForeignDatabase` (nothing changed) for another application's database,
    :class:`MigrationError` when the database is newer than this code, or when a migration
    fails (that one rolled back, earlier ones kept).
    """
    migrations = discover(directory)
    version = await current_version(db)
    tables = [
        str(name) for (name,) in await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    if version > len(migrations):
        raise MigrationError(
            f"the database is at schema version {version} but this Cercle only knows {len(migrations)}: upgrade Cercle"
        )
    if is_foreign(version, tables):
        raise ForeignDatabase(tables or ["none"])
    applied = []
    for migration in migrations[version:]:
        try:
            async with db.transaction() as conn:
                # Another process (a second `cercle check` at an upgrade) may have applied it
                # while this one waited for the write lock: re-read inside the transaction.
                cursor = await conn.execute("PRAGMA user_version")
                row = await cursor.fetchone()
                if row is not None and int(row[0]) >= migration.version:
                    continue
                for statement in migration.statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {migration.version:d}")
        except sqlite3.Error as exc:
            raise MigrationError(
                f"{migration.version:04d}_{migration.name}.sql failed and was rolled back ({exc}); the database "
                f"stays at schema version {migration.version - 1}"
            ) from None
        applied.append(migration.version)
    return applied
