"""DM fan-outs survive a stop in the middle (docs/architecture.md, "Direct messages"): the bot is stopped while it paces a
campaign's invitations or a meeting's reminder DMs; the next process finishes the fan-out from
the outbox. Every member gets exactly one DM, closed DMs are counted once, and nothing is left
in the outbox."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from tests.actors import member
from tests.e2e.test_feedback import start_campaign
from tests.meetings.e2e import START_AT, announcement, create_meeting, meeting_id, thread_texts


class StuckSleep:
    """A fan-out ``sleep`` that, at its ``after``-th call, hangs forever (the process is about to stop)."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0
        self.blocked = asyncio.Event()

    async def __call__(self, _seconds: float) -> None:
        self.calls += 1
        if self.calls >= self.after:
            self.blocked.set()
            await asyncio.Event().wait()


def add_members(h, count: int, *, closed_every: int = 10):
    """``count`` new members with the member role; every ``closed_every``-th has DMs closed."""
    c = h.club
    return [
        h.fake.add_member(c.guild, h.fake.add_user(f"member{n}", dms_open=n % closed_every != 0), [c.member_role])
        for n in range(count)
    ]


async def outbox_rows(h) -> tuple[int, int]:
    """``(jobs, pending recipients)`` stored in the outbox."""
    db = h.bot.ctx.db
    return (
        await db.fetchval("SELECT COUNT(*) FROM fanout_jobs"),
        await db.fetchval("SELECT COUNT(*) FROM fanout_outbox"),
    )


async def stop_stuck(h, tasks) -> None:
    """Stop the bot (as SIGTERM would) while ``tasks`` hang in the fan-out, then drop them."""
    await h.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def start_and_resume(h):
    """Start a new bot with the normal pacing and wait until it finished the pending fan-outs."""
    bot = await h.start()
    assert bot.fanout_resume is not None
    await asyncio.wait_for(bot.fanout_resume, 20)
    await h.fake.settle()
    return bot


async def test_campaign_invitations_resume_after_a_stop(harness, monkeypatch):
    """35 members, the bot stopped after 10 invitations: the next bot invites the 25 others, each
    member has exactly one invitation, the 4 closed DMs are counted once, the outbox is empty."""
    h, c = harness, harness.club
    await h.configure_defaults()
    extra = add_members(h, 30)  # member0, member10, member20 have DMs closed
    stuck = StuckSleep(after=10)
    await h.restart(fanout_sleep=stuck)  # the new process sees the new members
    feedback_cog = sys.modules["cogs.feedback"]
    monkeypatch.setattr(feedback_cog, "FANOUT_WAIT_SECONDS", 0)
    reply = await start_campaign(h, audience=c.member_role)
    assert "still being sent" in reply.text()
    await asyncio.wait_for(stuck.blocked.wait(), 10)
    await h.fake.settle()
    audience = c.members + extra
    reached_before = [u for u in audience if h.fake.dms_to(u)]
    assert 0 < len(reached_before) <= 10
    jobs, pending = await outbox_rows(h)
    assert jobs == 1 and pending == 35 - 10
    await stop_stuck(h, [])  # stopping the bot interrupts the launch (a task of ctx.tasks)

    await start_and_resume(h)
    closed = [u for u in audience if not u.dms_open]
    assert len(closed) == 4
    for user in audience:
        invitations = [m for m in h.fake.dms_to(user) if m.buttons()]
        assert len(invitations) == (0 if user in closed else 1), user.username
    listing = await h.fake.slash(c.admin, "campaign list", guild=c.guild)
    assert "35 invited, 4 unreachable" in listing.text(), listing.text()
    campaign = await h.bot.ctx.db.fetchone("SELECT invited, dm_sent, dm_failed FROM feedback_campaigns")
    assert tuple(campaign) == (35, 31, 4)
    assert await outbox_rows(h) == (0, 0)
    # A further restart sends nothing again.
    await h.restart()
    await asyncio.wait_for(h.bot.fanout_resume, 20)
    await h.fake.settle()
    assert sum(len(h.fake.dms_to(u)) for u in audience) == 31
    # Members reached before the stop can answer from the DM they got.
    first = next(u for u in reached_before if u.dms_open)
    form = await h.fake.click(first, h.fake.dms_to(first)[-1], label="nonym")
    assert form.modal is not None


async def test_finished_fan_out_leaves_no_outbox_rows(harness):
    """A campaign whose invitations all went out in one go leaves nothing in the outbox."""
    h, c = harness, harness.club
    await h.configure_defaults()
    reply = await start_campaign(h, audience=c.member_role)
    assert "Campaign **#1** started" in reply.text(), reply.text()
    assert await outbox_rows(h) == (0, 0)
    claim = await h.bot.ctx.db.fetchone("SELECT done_at FROM claims WHERE key = 'feedback:campaign:1:fanout'")
    assert claim is not None and claim["done_at"] is not None


async def test_meeting_reminder_dms_resume_after_a_stop(harness):
    """32 members asked for a reminder; the bot stops after 12 reminder DMs; the next bot DMs the
    rest, each member once, closed DMs counted once, the thread reminder posted once."""
    h, c = harness, harness.club
    await h.configure_defaults()
    extra = add_members(h, 30)
    stuck = StuckSleep(after=12)
    await h.restart(fanout_sleep=stuck)
    await create_meeting(h, reminders="24h")
    post = announcement(h)
    oid = int(meeting_id(post))
    service = h.bot.services.meetings
    asked = extra + [c.alice, c.carol]
    for user in asked:
        await service.rsvp(member(c.guild.id, user.id), oid, "going", refresh=False)
        await service.toggle_remind(member(c.guild.id, user.id), oid)
    await service.rsvp(member(c.guild.id, c.bob.id), oid, "going", refresh=False)  # no reminder asked
    tick = asyncio.create_task(h.clock.set(START_AT - timedelta(hours=24)))
    await asyncio.wait_for(stuck.blocked.wait(), 10)
    await h.fake.settle()
    assert 0 < sum(1 for u in asked if h.fake.dms_to(u)) <= 12
    assert (await outbox_rows(h))[1] == 32 - 12
    await stop_stuck(h, [tick])

    await start_and_resume(h)
    closed = [u for u in asked if not u.dms_open]
    assert len(closed) == 4  # carol and three of the new members
    for user in asked:
        assert len(h.fake.dms_to(user)) == (0 if user in closed else 1), user.username
    assert not h.fake.dms_to(c.bob)
    assert len([t for t in thread_texts(h, post) if "Reminder" in t]) == 1
    listed = await h.fake.slash(c.admin, "meeting list", guild=c.guild)
    assert "1 reminder(s) sent · DMs: 28 delivered, 4 could not be reached" in listed.text(), listed.text()
    assert await outbox_rows(h) == (0, 0)


async def test_cancel_notice_resumes_after_a_stop(harness):
    """A cancellation DM fan-out stopped half-way is finished by the next bot, once per member."""
    h, c = harness, harness.club
    await h.configure_defaults()
    extra = add_members(h, 20)
    stuck = StuckSleep(after=5)
    await h.restart(fanout_sleep=stuck)
    await create_meeting(h, reminders="none")
    oid = int(meeting_id(announcement(h)))
    service = h.bot.services.meetings
    for user in extra:
        await service.rsvp(member(c.guild.id, user.id), oid, "maybe", refresh=False)
    cancel = asyncio.create_task(h.fake.slash(c.admin, "meeting cancel", guild=c.guild, meeting=str(oid)))
    await asyncio.wait_for(stuck.blocked.wait(), 10)
    await h.fake.settle()
    await stop_stuck(h, [cancel])

    await start_and_resume(h)
    for user in extra:
        dms = h.fake.dms_to(user)
        assert len(dms) == (1 if user.dms_open else 0), user.username
        assert all("cancel" in m.text().lower() for m in dms)
    assert await outbox_rows(h) == (0, 0)


async def test_moved_notice_resumes_after_a_stop(harness):
    """A "meeting moved" DM fan-out stopped half-way is finished by the next bot with the same
    text (old and new time re-rendered from the rows), once per member."""
    h, c = harness, harness.club
    await h.configure_defaults()
    extra = add_members(h, 20)
    stuck = StuckSleep(after=6)
    await h.restart(fanout_sleep=stuck)
    await create_meeting(h, reminders="none")
    oid = int(meeting_id(announcement(h)))
    service = h.bot.services.meetings
    for user in extra:
        await service.rsvp(member(c.guild.id, user.id), oid, "going", refresh=False)
    edit = asyncio.create_task(
        h.fake.slash(c.admin, "meeting edit", guild=c.guild, meeting=str(oid), starts="2026-12-05 18:00")
    )
    await asyncio.wait_for(stuck.blocked.wait(), 10)
    await h.fake.settle()
    before = {m.text() for u in extra for m in h.fake.dms_to(u)}
    await stop_stuck(h, [edit])

    await start_and_resume(h)
    old_ts, new_ts = int(START_AT.timestamp()), int((START_AT + timedelta(days=2)).timestamp())
    texts = set()
    for user in extra:
        dms = h.fake.dms_to(user)
        assert len(dms) == (1 if user.dms_open else 0), user.username
        texts |= {m.text() for m in dms}
    (text,) = texts  # the resumed DMs are the very text of the interrupted run
    assert before == {text} and "has moved" in text and f"<t:{old_ts}:F>" in text and f"<t:{new_ts}:F>" in text
    assert await outbox_rows(h) == (0, 0)


async def _reminder_stopped_half_way(h):
    """A 24 h reminder to 20 members asking for it (``member0``'s DMs closed), stopped after
    5 attempts; returns them and how many DMs they had got by then."""
    c = h.club
    extra = add_members(h, 20, closed_every=1000)
    stuck = StuckSleep(after=5)
    await h.restart(fanout_sleep=stuck)
    await create_meeting(h, reminders="24h")
    oid = int(meeting_id(announcement(h)))
    for user in extra:
        await h.bot.services.meetings.rsvp(member(c.guild.id, user.id), oid, "going", refresh=False)
        await h.bot.services.meetings.toggle_remind(member(c.guild.id, user.id), oid)
    tick = asyncio.create_task(h.clock.set(START_AT - timedelta(hours=24)))
    await asyncio.wait_for(stuck.blocked.wait(), 10)
    await h.fake.settle()
    await stop_stuck(h, [tick])
    return extra, sum(len(h.fake.dms_to(u)) for u in extra)


async def test_reminder_dms_resumed_late_say_they_are_late(harness):
    """The reminder's fan-out resumes two hours after it was due: the DMs still to send carry
    the "sent late" note; those sent on time do not."""
    h = harness
    await h.configure_defaults()
    extra, on_time = await _reminder_stopped_half_way(h)
    await h.clock.set(START_AT - timedelta(hours=22))
    await start_and_resume(h)
    texts = [m.text() for u in extra for m in h.fake.dms_to(u)]
    assert len(texts) == 19 and 0 < on_time <= 5
    assert sum("Sent late" in t for t in texts) == 19 - on_time, texts


async def test_no_reminder_dm_once_the_meeting_started(harness):
    """The bot comes back after the meeting's start with reminder DMs pending: none is sent,
    whatever the meeting's stored status; the start is announced once."""
    h = harness
    await h.configure_defaults()
    extra, on_time = await _reminder_stopped_half_way(h)
    await h.clock.set(START_AT + timedelta(minutes=5))
    await start_and_resume(h)
    assert sum(len(h.fake.dms_to(u)) for u in extra) == on_time
    assert len([t for t in thread_texts(h, announcement(h)) if "starting now" in t]) == 1
    assert await outbox_rows(h) == (0, 0)
