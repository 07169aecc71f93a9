"""Anonymous polls keep no trace of who voted: not in any table, not in any log line."""

from __future__ import annotations

import logging

from bot import i18n
from bot.anonymity import dedupe_key
from tests.conftest import SECRET
from tests.polls.conftest import GUILD, MOD, make_poll

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
        receipt = await polls.click(poll.id, 1 + i % 3, voter)
        replies.append(receipt.reply("en"))
        await polls.click(poll.id, 1 + (i + 1) % 3, voter)
    await clock.advance(seconds=5)
    file, _ = await polls.export(GUILD, MOD, poll.id, manage_guild=True, role_ids=[])
    await clock.advance(hours=1)
    dump = await dump_database(polls.db)
    rendered = [repr(c) for c in port.calls]
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for voter in VOTERS:
        for haystack in (dump, logs, file.data.decode("utf-8"), *replies, *rendered):
            assert str(voter) not in haystack
    # the sanity check that the dump is real: the scoped HMAC of a voter is there
    assert dedupe_key(SECRET, f"poll:{poll.id}", VOTERS[0]) in dump
    assert await polls.db.fetchval("SELECT count(*) FROM poll_votes WHERE voted_at IS NOT NULL") == 0


async def test_public_poll_stores_voter_ids(polls):
    """The contrast: a public poll does store the voter's id (so the anonymity test can fail)."""
    poll = await make_poll(polls, anonymous=False)
    await polls.click(poll.id, 1, VOTERS[0])
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
