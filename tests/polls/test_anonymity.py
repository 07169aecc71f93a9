"""Anonymous polls keep no trace of who voted: not in any table, not in any log line."""

from __future__ import annotations

import logging

from bot import i18n
from bot.anonymity import dedupe_key
from tests.actors import member
from tests.conftest import SECRET
from tests.polls.conftest import GUILD, MODERATOR, counts, make_poll, reread

VOTERS = [314_159_265_358_979_323 + i for i in range(6)]


async def dump_database(db) -> str:
    """Every row of every table (and the WAL-visible schema) as one text."""
    tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
    parts = []
    for table in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table}"'):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


async def test_no_voter_id_in_any_table_or_log(polls, clock, caplog, port):
    """After an anonymous poll with known voters, their ids appear in no table, no log line, no reply, no export."""
    caplog.set_level(logging.DEBUG)
    poll = await make_poll(polls, anonymous=True, max_choices=2, closes="1h")
    replies = []
    for i, voter in enumerate(VOTERS):
        receipt = await polls.click(member(GUILD, voter), poll.id, 1 + i % 3)
        replies.append(receipt.reply("en"))
        await polls.click(member(GUILD, voter), poll.id, 1 + (i + 1) % 3)
    await clock.advance(seconds=5)
    before = await dump_database(polls.db)
    await clock.advance(hours=1)
    file = (await polls.export(MODERATOR, poll.id)).file
    dump = await dump_database(polls.db)
    rendered = [repr(c) for c in port.calls]
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for voter in VOTERS:
        for haystack in (dump, logs, file.data.decode("utf-8"), *replies, *rendered):
            assert str(voter) not in haystack
    # the sanity check that the dump is real: the scoped HMAC of a voter was there while open
    assert dedupe_key(SECRET, f"poll:{poll.id}", VOTERS[0]) in before
    assert await polls.db.fetchval("SELECT count(*) FROM poll_votes WHERE voted_at IS NOT NULL") == 0


async def test_public_poll_stores_voter_ids(polls):
    """The contrast: a public poll does store the voter's id (so the anonymity test can fail)."""
    poll = await make_poll(polls, anonymous=False)
    await polls.click(member(GUILD, VOTERS[0]), poll.id, 1)
    assert str(VOTERS[0]) in await dump_database(polls.db)


def test_catalogs_match_in_both_languages():
    """Every polls key exists in French and English with the same placeholders."""
    en = {k: v for k, v in i18n.catalog("en").items() if "polls" in k}
    fr = {k: v for k, v in i18n.catalog("fr").items() if "polls" in k}
    assert en.keys() == fr.keys() and en
    for key in en:
        assert i18n.placeholders(en[key]) == i18n.placeholders(fr[key]), key


def test_modal_and_field_texts_fit_discord():
    """Modal title ≤ 45, text input labels ≤ 45 and placeholders ≤ 100 (Discord)."""
    for locale in ("en", "fr"):
        assert len(i18n.t(locale, "polls.modal.title")) <= 45
        for key in ("polls.modal.question", "polls.modal.choices", "polls.modal.description"):
            assert len(i18n.t(locale, key)) <= 45
        assert len(i18n.t(locale, "polls.modal.choices_placeholder")) <= 100


async def test_close_seals_an_anonymous_poll(polls, clock):
    """At the close every voter key is replaced by a random value, in one go: counts and the number of voters stay."""
    from bot.polls import store

    poll = await make_poll(polls, anonymous=True, max_choices=2, closes="1h")
    for i, voter in enumerate(VOTERS):
        await polls.click(member(GUILD, voter), poll.id, 1 + i % 3)
        await polls.click(member(GUILD, voter), poll.id, 1 + (i + 1) % 3)
    before = await counts(polls, poll.id)
    await clock.advance(hours=1)
    keys = {dedupe_key(SECRET, f"poll:{poll.id}", v) for v in VOTERS}
    stored = {r[0] for r in await polls.db.fetchall("SELECT voter FROM poll_votes WHERE poll_id = ?", (poll.id,))}
    assert not keys & stored and len(stored) == 2 * len(VOTERS)  # one random value per vote: no pairs either
    assert all(len(v) == 64 for v in stored)
    assert await counts(polls, poll.id) == before and before.voters == len(VOTERS)
    sealed = await reread(polls, poll.id)
    assert sealed.sealed_voters == len(VOTERS) and sealed.anonymity_threshold == 5
    assert not await store.seal(polls.db, poll.id, 5)  # once only
    assert await polls.my_choices(member(GUILD, VOTERS[0]), poll.id) == ()


async def test_public_poll_is_not_sealed(polls, clock):
    """A public poll keeps its voters' ids after the close (moderators export them)."""
    poll = await make_poll(polls, anonymous=False, closes="1h")
    await polls.click(member(GUILD, VOTERS[0]), poll.id, 1)
    await clock.advance(hours=1)
    assert (await reread(polls, poll.id)).sealed_voters is None
    assert await polls.my_choices(member(GUILD, VOTERS[0]), poll.id) == (1,)


def _migrations_up_to_0006(folder):
    """A folder holding the packaged migrations 0001–0006 (the schema before 0007)."""
    import shutil
    from pathlib import Path

    packaged = Path(__file__).resolve().parents[2] / "migrations"
    folder.mkdir()
    for path in packaged.glob("000[1-6]_*.sql"):
        shutil.copy(path, folder / path.name)
    return folder


async def test_migration_seals_polls_closed_before_it(tmp_path):
    """Migration 0007 keeps each poll's threshold and seals anonymous polls already closed; open ones and public ones keep their voters."""
    from bot.db import SqliteDatabase
    from bot.migrate import migrate

    old = _migrations_up_to_0006(tmp_path / "old")
    db = await SqliteDatabase(tmp_path / "m.sqlite3").connect()
    await migrate(db, old)
    await db.execute("INSERT INTO club_settings (guild_id, anonymity_threshold) VALUES (1, 7)")
    for pid, anonymous, status in [(1, 1, "closed"), (2, 1, "open"), (3, 0, "closed")]:
        await db.execute(
            "INSERT INTO polls (id, guild_id, channel_id, creator_id, question, anonymous, max_choices, show_results, "
            "status, opens_at, closes_at, created_at) VALUES (?, 1, 2, 3, 'Q', ?, 2, 'live', ?, 10, 20, 5)",
            (pid, anonymous, status),
        )
        await db.executemany("INSERT INTO poll_choices (poll_id, position, label) VALUES (?, ?, ?)",
                             [(pid, 1, "A"), (pid, 2, "B")])
        await db.executemany("INSERT INTO poll_votes (poll_id, voter, position) VALUES (?, ?, ?)",
                             [(pid, "k1", 1), (pid, "k1", 2), (pid, "k2", 1)])
    await migrate(db)
    rows = {r[0]: (r[1], r[2]) for r in await db.fetchall("SELECT id, anonymity_threshold, sealed_voters FROM polls")}
    assert rows == {1: (7, 2), 2: (7, None), 3: (7, None)}
    voters = {pid: {r[0] for r in await db.fetchall("SELECT voter FROM poll_votes WHERE poll_id = ?", (pid,))}
              for pid in (1, 2, 3)}
    assert not voters[1] & {"k1", "k2"} and len(voters[1]) == 3
    assert voters[2] == voters[3] == {"k1", "k2"}
    await db.close()
