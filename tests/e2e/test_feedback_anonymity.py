"""The anonymity promise, checked end to end (docs/anonymity.md, "Threat model"): five members with
known ids answer a campaign and send spontaneous feedback (by DM and by command); then the
database file, its WAL, every log line, every export, report and digest are searched for
their ids, names and the ids of their DM messages — none may be found. Without the secret
the dedupe keys cannot be matched to the members."""

from __future__ import annotations

import logging
import struct

from bot.anonymity import dedupe_key
from bot.clock import FakeClock
from bot.feedback.service import dedupe_scope
from tests.e2e.harness import SECRET, START, Harness, build_club, quiet_discord_logs
from tests.e2e.test_feedback import (
    answer,
    digest_and_publish,
    dm_and_wait_offer,
    give,
    last_dm,
    start_campaign,
)


def _needles(users, dm_ids):
    """Every identifying value as text and as SQLite's 8-byte big-endian integer."""
    texts = [str(u.id) for u in users] + [u.username for u in users] + [str(m) for m in dm_ids]
    binary = [struct.pack(">q", int(v)) for v in [u.id for u in users] + list(dm_ids)]
    return texts, binary


async def test_no_identity_anywhere(fake, e2e_settings, caplog):
    """Ids, names and DM message ids of five answering members appear in no table, WAL, log, export, report or digest."""
    quiet_discord_logs()
    caplog.set_level(logging.INFO)
    logging.getLogger("discord").setLevel(logging.INFO)
    club = build_club(fake)
    dave = fake.add_member(club.guild, fake.add_user("dmitri_q"), [club.member_role])
    erin = fake.add_member(club.guild, fake.add_user("erin_z"), [club.member_role])
    harness = Harness(fake, e2e_settings, FakeClock(START), club)
    await harness.start()
    try:
        await harness.configure_defaults()
        answering = [club.alice, club.bob, club.carol, dave, erin]
        await start_campaign(harness, audience=club.member_role, release="live")  # readable while open
        announcement = fake.messages_in(club.feedback.id)[-1]
        for n, user in enumerate(answering):
            source = announcement if user is club.carol else last_dm(harness, user)
            await answer(harness, user, source, {"q1": str(5 + n), "q2": f"campaign text {n}"})
        dm_ids = []
        for n, user in enumerate(answering):
            if user is club.carol:  # DMs closed: she uses the command
                await give(harness, user, f"spontaneous text {n}", category="pain_point")
                continue
            sent, offer = await dm_and_wait_offer(harness, user, f"spontaneous text {n} by DM")
            dm_ids.append(sent.id)
            form = await fake.click(user, offer, label="anonym")
            await fake.submit_modal(user, form, {})

        outputs = []
        for options in ({"campaign": 1}, {}):
            outputs.append((await fake.slash(club.admin, "campaign report", guild=club.guild, **options)).text())
            export = await fake.slash(club.admin, "campaign export", guild=club.guild, **options)
            outputs.append(export.file_bytes(0).decode("utf-8-sig"))
        outputs.append((await fake.slash(club.admin, "campaign painpoints", guild=club.guild)).text())
        review, published = await digest_and_publish(harness)
        outputs.append(review.text())
        assert "Digest posted: 5" in published.updated.text()
        outputs += [m.text() for m in fake.messages_in(club.feedback.id)]
        assert "campaign text 3" in "\n".join(outputs) and "spontaneous text 1 by DM" in "\n".join(outputs)

        db = harness.bot.ctx.db
        tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = []
        for table in tables:
            for row in await db.fetchall(f"SELECT * FROM {table}"):  # noqa: S608 - names from sqlite_master
                dump.append(" ".join(str(v) for v in tuple(row)))
        columns = {r[1] for r in await db.fetchall("PRAGMA table_info(feedback_answers)")}
        assert columns == {
            "id", "guild_id", "campaign_id", "category", "rating", "body", "week", "receipt_hash", "digest_id",
            "threshold",  # the club's k a spontaneous answer was given under (0008): a club setting, not an identity
            "cohort_id",  # the release it came out in (0012)
            "voice",  # one-voice HMAC of a spontaneous answer of the last two weeks (0012): names nobody without the secret
            "held",  # a moderator held the text back from the public digest (0013): a moderation flag, no identity
        }
        assert await db.fetchval("SELECT COUNT(*) FROM feedback_answers WHERE campaign_id IS NOT NULL "
                                 "AND threshold IS NOT NULL") == 0  # campaign answers carry nothing of their own
        path = e2e_settings.database_path
        raw = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        wal_bytes = wal.read_bytes() if wal.exists() else b""
        assert wal_bytes, "the WAL should hold the recent writes while the bot runs"

        keys = [r[0] for r in await db.fetchall("SELECT key FROM feedback_dedupe")]
        assert len(keys) == 5
        scope = dedupe_scope(1)
        assert not {dedupe_key(b"a-guessed-secret", scope, u.id) for u in answering} & set(keys)
        assert {dedupe_key(SECRET, scope, u.id) for u in answering} == set(keys)
    finally:
        await harness.stop()

    texts, binary = _needles(answering, dm_ids)
    logs = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records if r.args]
    assert logs, "logging was captured"
    haystacks = {"tables": "\n".join(dump), "logs": "\n".join(logs), "outputs": "\n".join(outputs)}
    for name, hay in haystacks.items():
        for needle in texts:
            assert needle not in hay, f"{needle!r} found in {name}"
    for name, blob in {"database file": raw, "WAL": wal_bytes, "WAL after stop": wal.read_bytes() if wal.exists() else b""}.items():
        for needle in texts:
            assert needle.encode() not in blob, f"{needle!r} found in the {name}"
        for needle in binary:
            assert needle not in blob, f"an id found as an integer in the {name}"
