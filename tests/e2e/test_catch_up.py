"""Serve first, catch up beside (docs/architecture.md, "Start-up"): overdue work found at
start runs in the background while the gateway connects and members are answered."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import to_ts
from tests.meetings.e2e import START_AT, announcement, create_meeting, meeting_id

AUDIENCE = 2000


async def test_members_are_answered_within_3_s_while_a_2000_member_catch_up_runs(harness):
    """A 1 h reminder to 2,000 members found overdue at start: the bot connects, answers /help
    within Discord's 3 s while the reminder's DMs are still going out, and they go out late
    with the note."""
    h, c = harness, harness.club
    await h.configure_defaults()
    users = [h.fake.add_member(c.guild, h.fake.add_user(f"m{n}"), [c.member_role]) for n in range(AUDIENCE)]
    await create_meeting(h, reminders="1h")
    oid = int(meeting_id(announcement(h)))
    now = to_ts(h.clock.now())
    await h.bot.ctx.db.executemany(
        "INSERT INTO meeting_rsvps (occurrence_id, user_id, status, remind, updated_at) VALUES (?, ?, 'going', 1, ?)",
        [(oid, u.id, now) for u in users],
    )
    await h.stop()
    await h.clock.set(START_AT - timedelta(minutes=50))  # the reminder is 10 minutes overdue
    bot = await h.start(wait_catch_up=False)
    reply = await h.fake.slash(c.alice, "help", guild=c.guild, settle=False)
    answered_in = h.fake.ack_latencies[-1]
    pending = await bot.ctx.db.fetchval("SELECT COUNT(*) FROM fanout_outbox")
    reached = sum(1 for u in users if h.fake.dms_to(u))
    assert "/help" in reply.text() and answered_in < 3.0, answered_in
    assert 0 < pending and reached < AUDIENCE, (pending, reached)  # the catch-up was still running
    await bot.ctx.scheduler.caught_up()
    assert await bot.ctx.db.fetchval("SELECT COUNT(*) FROM fanout_outbox") == 0
    sample = h.fake.dms_to(users[-1])
    assert len(sample) == 1 and "Sent late" in sample[0].text()
