"""The migrated database has the foundation tables and the pragmas of docs/architecture.md, "Database"."""


async def test_foundation_tables_exist(db):
    """Migration 0001 creates club_settings, audit_log and claims."""
    names = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"club_settings", "audit_log", "claims"} <= names


async def test_pragmas_on_connection(db):
    """WAL, synchronous=FULL (2), foreign keys and secure_delete are on."""
    assert (await db.fetchval("PRAGMA journal_mode")).lower() == "wal"
    assert await db.fetchval("PRAGMA synchronous") == 2
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA secure_delete") == 1
