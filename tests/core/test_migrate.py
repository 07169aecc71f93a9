"""Migrations: applied in order, atomically, version in PRAGMA user_version."""

from datetime import datetime
from importlib import resources

import pytest

from bot.db import SqliteDatabase
from bot.migrate import MigrationError, current_version, discover, migrate, split_statements
from bot.recurrence import Recurrence, rule_for


async def test_packaged_migrations_are_contiguous_and_apply(tmp_path):
    """Every packaged migration applies on a fresh file and sets user_version to the last number."""
    db = await SqliteDatabase(tmp_path / "x.sqlite3").connect()
    applied = await migrate(db)
    assert applied == list(range(1, len(discover()) + 1))
    assert await current_version(db) == len(discover())
    assert await migrate(db) == []
    await db.close()


async def test_failing_migration_leaves_schema_unchanged(tmp_path):
    """A migration failing halfway rolls back entirely; the earlier one stays; the error names the file."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    db = await SqliteDatabase(tmp_path / "y.sqlite3").connect()
    with pytest.raises(MigrationError) as info:
        await migrate(db, folder)
    assert "0002_broken.sql" in str(info.value)
    tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" in tables and "b" not in tables
    assert await current_version(db) == 1
    await db.close()


def test_gap_in_numbers_is_refused(tmp_path):
    """Migration numbers must be contiguous from 0001."""
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError):
        discover(tmp_path)


def test_split_statements_keeps_triggers_whole():
    """A trigger body with inner semicolons stays one statement."""
    sql = "CREATE TABLE t (x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n-- done\n"
    statements = split_statements(sql)
    assert len(statements) == 2 and statements[1].startswith("CREATE TRIGGER")


async def test_database_newer_than_code_is_refused(tmp_path):
    """A database at a higher version than the code knows refuses to start."""
    db = await SqliteDatabase(tmp_path / "z.sqlite3").connect()
    await db.execute("PRAGMA user_version = 999")
    with pytest.raises(MigrationError, match="upgrade Cercle"):
        await migrate(db)
    await db.close()


async def test_backup_is_a_consistent_copy(db, tmp_path):
    """VACUUM INTO writes a copy with the committed rows; it refuses to overwrite."""
    await db.execute("INSERT INTO audit_log (guild_id, actor_id, action, created_at) VALUES (1, 2, 'x', 3)")
    target = await db.backup_to(tmp_path / "backup.sqlite3")
    copy = await SqliteDatabase(target).connect()
    assert await copy.fetchval("SELECT count(*) FROM audit_log") == 1
    await copy.close()
    with pytest.raises(FileExistsError):
        await db.backup_to(target)


def test_only_numbered_sql_files_are_migrations(tmp_path):
    """__pycache__ (even one named like a migration), __init__.py and backups beside the files are ignored."""
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00\x01")
    (tmp_path / "0002_folder.sql").mkdir()
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "0001_a.sql~").write_text("garbage")
    found = discover(tmp_path)
    assert [(m.version, m.name) for m in found] == [(1, "a")]


def test_packaged_migrations_survive_an_imported_package():
    """Importing the migrations package writes __pycache__ on a user's machine; discovery still works."""
    import importlib
    import sys
    from importlib import resources

    import migrations

    folder = resources.files("migrations")
    cache = folder / "__pycache__"
    created = not cache.is_dir()
    if created:
        import os

        os.makedirs(str(cache), exist_ok=True)
    try:
        importlib.reload(sys.modules["migrations"])
        assert [m.version for m in discover()] == list(range(1, len(discover()) + 1))
        assert migrations is sys.modules["migrations"]
    finally:
        if created:
            import shutil

            shutil.rmtree(str(cache), ignore_errors=True)


async def test_two_processes_migrating_at_once_both_succeed(tmp_path):
    """Two connections (two `cercle check` at an upgrade) migrate one new file at once: the
    one that waits for the write lock sees each migration done and skips it, no error."""
    import asyncio

    from bot.migrate import current_version, discover, migrate

    path = tmp_path / "race.sqlite3"
    first, second = await SqliteDatabase(path).connect(), await SqliteDatabase(path).connect()
    try:
        results = await asyncio.gather(migrate(first), migrate(second))
        assert sorted(results[0] + results[1]) == [m.version for m in discover()]
        assert await current_version(first) == len(discover())
    finally:
        await first.close()
        await second.close()


async def test_old_meeting_rules_on_days_29_to_31_fall_back_to_the_month_end(tmp_path):
    """Series stored before the one recurrence engine keep their day but stop skipping the
    short months: 0010 gives them the rule a new series gets (bot.recurrence.rule_for)."""
    folder = tmp_path / "before"
    folder.mkdir()
    for entry in resources.files("migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name < "0010":
            (folder / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    db = await SqliteDatabase(tmp_path / "old.sqlite3").connect()
    await migrate(db, folder)
    old = [
        (1, "2027-01-31T18:00", "quarterly", "FREQ=MONTHLY;INTERVAL=3"),
        (2, "2027-03-30T18:00", "semiannual", "FREQ=MONTHLY;INTERVAL=6"),
        (3, "2028-02-29T10:00", "yearly", "FREQ=YEARLY;INTERVAL=1"),
        (4, "2027-01-29T18:00", "monthly", "FREQ=MONTHLY;INTERVAL=1"),
        (5, "2027-01-15T18:00", "quarterly", "FREQ=MONTHLY;INTERVAL=3"),  # day 15: unchanged
        (6, "2027-01-31T18:00", "weekly", "FREQ=WEEKLY;INTERVAL=1"),  # weekly: unchanged
        (7, "2027-01-31T18:00", "none", None),
    ]
    for series_id, local_start, repeat, rule in old:
        await db.execute(
            "INSERT INTO meeting_series (id, guild_id, channel_id, organiser_id, title, local_start, timezone, "
            "repeat, rrule, duration_s, created_at) VALUES (?, 1, 2, 3, 't', ?, 'Europe/Paris', ?, ?, 3600, 0)",
            (series_id, local_start, repeat, rule),
        )
    assert await migrate(db) == [v for v in range(10, len(discover()) + 1)]
    rows = {r["id"]: r["rrule"] for r in await db.fetchall("SELECT id, rrule FROM meeting_series")}
    for series_id, local_start, repeat, rule in old:
        first = datetime.fromisoformat(local_start)
        assert rows[series_id] == (rule_for(repeat, first) if series_id <= 4 else rule)
    quarterly = Recurrence(datetime(2027, 1, 31, 18), "Europe/Paris", rows[1])
    assert [local.day for local, _ in quarterly.occurrences(limit=3)] == [31, 30, 31]
    await db.close()
