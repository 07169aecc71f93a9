"""Polls under load and under the anonymity promise, end to end through the fake Discord."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import struct

from bot.polls import store
from tests.e2e.test_polls import create_poll, fresh, poll_id_of, posted


async def test_two_hundred_members_click_at_once(harness):
    """200 members clicking concurrently (50 of them twice) end with exactly 200 votes and a single message edit."""
    await harness.configure_defaults()
    c = harness.club
    fake = harness.fake
    await create_poll(harness, anonymous=False, show_results="live")
    [message] = posted(harness)
    members = [fake.add_member(c.guild, fake.add_user(f"member{i}"), [c.member_role]) for i in range(200)]
    labels = ["1. Export", "2. Search", "3. Reports"]
    clicks = [fake.click(m, message, label=labels[i % 3]) for i, m in enumerate(members)]
    clicks += [fake.click(m, message, label=labels[i % 3]) for i, m in enumerate(members[:50])]
    replies = await asyncio.gather(*clicks)
    assert all("Your vote" in r.text() for r in replies)
    tally = await store.tally(harness.bot.ctx.db, poll_id_of(message), 3)
    assert tally.voters == 200 and tally.total == 200 and tally.counts == (67, 67, 66)
    assert fake.edit_counts.get(message.id, 0) == 0
    await harness.clock.advance(seconds=5)
    await harness.clock.advance(seconds=5)
    assert fake.edit_counts.get(message.id, 0) == 1
    assert "Voters: 200" in fresh(harness, message).text()


def _dump(path) -> str:
    """Every row of every table of the database file, read through a separate connection."""
    conn = sqlite3.connect(path)
    try:
        parts = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            parts += [repr(row) for row in conn.execute(f'SELECT * FROM "{table}"')]
        return "\n".join(parts)
    finally:
        conn.close()


async def test_anonymous_poll_leaves_no_voter_id_in_tables_files_or_logs(harness, caplog):
    """After an anonymous poll with known voters, no table, database file, WAL, log line, export or public message holds their ids."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("discord").setLevel(logging.INFO)  # production level (docs/anonymity.md, "Logs and exports": never DEBUG)
    await harness.configure_defaults()
    c = harness.club
    fake = harness.fake
    voters = [c.alice, c.bob, c.carol] + [fake.add_member(c.guild, fake.add_user(f"v{i}"), [c.member_role]) for i in range(4)]
    await create_poll(harness, max_choices=2, show_results="live", question="Secret ballot")
    [message] = posted(harness)
    for i, voter in enumerate(voters):
        await fake.click(voter, message, label=["1. Export", "2. Search", "3. Reports"][i % 3])
        await fake.click(voter, fresh(harness, message), label="2. Search")
    await harness.clock.advance(seconds=5)
    pid = poll_id_of(message)
    await harness.clock.advance(days=7)  # an anonymous poll's counts show only once closed
    results = await fake.slash(c.admin, "poll results", guild=c.guild, poll=pid)
    export = await fake.slash(c.admin, "poll export", guild=c.guild, poll=pid)
    await harness.stop()  # flush everything to the files
    db_path = harness.settings.database_path
    dump = _dump(db_path)
    raw = db_path.read_bytes() + (db_path.with_name(db_path.name + "-wal").read_bytes()
                                  if db_path.with_name(db_path.name + "-wal").exists() else b"")
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    public = "\n".join(m.text() + repr(m.data.get("components")) for m in posted(harness))
    export_text = export.file_bytes(0).decode("utf-8-sig")
    assert "Secret ballot" in dump and "Search" in export_text and results.files  # the dumps are real
    for voter in voters:
        ident = str(voter.id)
        for name, haystack in (("tables", dump), ("logs", logs), ("export", export_text), ("channel", public),
                               ("results", results.text())):
            assert ident not in haystack, f"voter id found in {name}"
        assert ident.encode() not in raw and struct.pack(">q", voter.id) not in raw, "voter id in the database files"
