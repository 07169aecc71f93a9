"""Digests posted exactly once (docs/architecture.md, "Scheduler": a claim is not a send): the
weekly digest takes its week once, and a digest killed while one of its messages was in
flight is finished by the next start without a second copy — found in the channel by its
fingerprint even past Discord's nonce window. Also: a failed post keeps the digest, and a
digest in review survives a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.feedback import digest_store
from bot.feedback.service import FeedbackService
from tests.actors import member, moderator
from tests.feedback.conftest import CHANNEL, GUILD, MOD
from tests.support import RecordingPort, restart_service

MODERATOR = moderator(GUILD, MOD)
MONDAY_DUE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris, the default schedule
LONG = "A long and careful text about the export module and its many columns. " * 14  # ≈ 1000 characters


async def restart(ctx) -> FeedbackService:
    """A new process-like service on the same database."""
    return await restart_service(ctx, FeedbackService)


def digest_posts(port) -> list:
    return [c for c in port.of("send_message") if c.target == CHANNEL]


async def give_texts(svc, count: int, body: str = LONG, first: int = 0) -> None:
    """``count`` members (ids from 50 + ``first``) each give one text ``T{n} {body}``."""
    for n in range(first, first + count):
        await svc.give(member(GUILD, 50 + n), GUILD, text=f"T{n:02d} {body}")


async def test_a_weekly_digest_killed_mid_post_is_finished_once_by_the_next_start(svc, ctx, clock, port):
    await svc.set_digest_schedule(MODERATOR, review=False)
    await give_texts(svc, 10)  # two cohorts; ≈ 900 characters each: two messages
    entered = asyncio.Event()
    calls = 0

    async def second_reaches_then_killed(channel_id, message, *, nonce=None):
        nonlocal calls
        calls += 1
        mid = await RecordingPort.send_message(port, channel_id, message, nonce=nonce)
        if calls < 2:
            return mid
        entered.set()
        await asyncio.Event().wait()  # the message exists; the answer never comes back
        return mid

    port.send_message = second_reaches_then_killed
    moving = asyncio.create_task(clock.set(MONDAY_DUE))
    await asyncio.wait_for(entered.wait(), 5)
    await ctx.scheduler.stop()
    await asyncio.wait_for(moving, 5)
    del port.send_message
    assert len(digest_posts(port)) == 2
    port.nonces.clear()  # past Discord's dedupe window: only the channel search can tell
    await restart(ctx)
    await restart(ctx)  # and again: nothing left to do
    posts = digest_posts(port)
    assert len(posts) == 2
    text = "\n".join(str(p.message) for p in posts)
    assert all(text.count(f"T{n:02d} ") == 1 for n in range(10))
    assert not await digest_store.unposted(ctx.db)
    digest = await digest_store.get_digest(ctx.db, 1)
    assert digest is not None and digest.status == "posted" and digest.message_id == posts[0].message_id and digest.week == "2026-W50"


async def test_the_weekly_run_takes_its_week_once(svc, ctx, clock, port):
    await svc.set_digest_schedule(MODERATOR, review=False)
    await give_texts(svc, 5, "short")
    await clock.set(MONDAY_DUE)
    await restart(ctx)
    await give_texts(svc, 5, "later", first=5)  # released after the week's run: they wait for next week's
    await restart(ctx)
    assert len(digest_posts(port)) == 1 and "later" not in str(digest_posts(port)[0].message)
    assert await digest_store.count_pending(ctx.db, GUILD) == 5


async def test_a_refused_post_keeps_the_approved_digest_for_the_next_try(svc, ctx, port):
    await svc.set_digest_schedule(MODERATOR, review=False)
    await give_texts(svc, 5, "short")
    port.unpostable.add(CHANNEL)
    await clock_free_digest(svc)
    [left] = await digest_store.unposted(ctx.db)
    assert left.status == "approved"
    port.unpostable.clear()
    await restart(ctx)  # the next start posts it
    assert len(digest_posts(port)) == 1
    assert not await digest_store.unposted(ctx.db)


async def clock_free_digest(svc) -> None:
    """``/campaign digest`` that must fail to post (the channel refuses)."""
    from bot.errors import Conflict

    try:
        await svc.digest(MODERATOR)
    except Conflict as exc:
        assert exc.key == "feedback.error.cannot_post"
    else:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError("the refused post was not reported")


async def test_a_digest_in_review_survives_a_restart_and_is_published_once(svc, ctx, port):
    await give_texts(svc, 5, "short")
    taken = await svc.digest(MODERATOR)
    assert taken.review is not None and taken.posted == 0 and not digest_posts(port)
    svc = await restart(ctx)
    review = await svc.review(MODERATOR)
    assert review is not None and review.digest.id == taken.review.digest.id and len(review.entries) == 5
    await svc.hold(MODERATOR, review.digest.id, review.entries[0].answer_id, True)
    result = await svc.publish(MODERATOR, review.digest.id)
    assert result.posted == 4 and result.held == 1
    await restart(ctx)
    assert len(digest_posts(port)) == 1
    assert review.entries[0].item.body not in str(digest_posts(port)[0].message)
