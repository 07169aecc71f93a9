"""PromptService against a real SQLite file, a fake clock and a recording port."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime, timedelta

import pytest

from bot.actor import USE_CASE_ATTRIBUTE, Actor
from bot.clock import from_ts
from bot.club.service import ClubService
from bot.context import AppContext, FeatureService
from bot.db import SqliteDatabase
from bot.errors import CercleError, Conflict, Forbidden, InvalidInput, NotFound
from bot.prompts import bank, render, store
from bot.prompts.service import JOB_POST, PromptService
from bot.scheduler import Scheduler
from tests.actors import member, moderator
from tests.conftest import SECRET
from tests.support import RecordingPort, restart_service

GUILD = 1000
OTHER = 2000
PROMPTS_CH = 111
FEEDBACK_CH = 222
OTHER_CH = 333
MOD = 42
FRIDAY_DUE = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # Friday 18:00 in Paris
MODERATOR = moderator(GUILD, MOD)


@pytest.fixture
async def service(ctx):
    """A started PromptService for GUILD (prompts + feedback channels set, English)."""
    await ctx.club.update(moderator(GUILD, MOD), prompts_channel_id=PROMPTS_CH, feedback_channel_id=FEEDBACK_CH)
    svc = PromptService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    return svc


def posts_in(port, channel_id):
    """Messages the bot sent in one channel."""
    return [c for c in port.of("send_message") if c.target == channel_id]


async def schedule_friday(service, guild=GUILD, **kwargs):
    """Friday 18:00 (club zone Europe/Paris)."""
    return await service.set_schedule(moderator(guild, MOD), weekday="friday", time="18:00", **kwargs)


async def test_schedule_posts_message_and_thread_at_local_time(service, ctx, port, clock):
    """At Friday 18:00 Paris the prompt is posted with its theme, a thread opens, the week is claimed."""
    info = await schedule_friday(service)
    assert info.dates[0] == FRIDAY_DUE
    assert info.dates[1] == FRIDAY_DUE + timedelta(days=7)
    await clock.set(FRIDAY_DUE - timedelta(minutes=1))
    assert not posts_in(port, PROMPTS_CH)
    await clock.advance(minutes=1)
    [post] = posts_in(port, PROMPTS_CH)
    embed = post.message.embeds[0]
    assert "Features" in embed.title
    assert embed.description
    [thread] = port.of("create_thread")
    assert thread.message_id == post.message_id and thread.target == PROMPTS_CH
    assert 1 <= len(thread.extra["name"]) <= 100
    claim = await ctx.db.fetchone("SELECT done_at, discord_id FROM claims WHERE key = ?", (f"prompts:{GUILD}:2026-W49",))
    assert claim["done_at"] is not None and claim["discord_id"] == post.message_id
    assert [a.when for a in ctx.scheduler.pending(JOB_POST)] == [FRIDAY_DUE + timedelta(days=7)]


async def test_next_shows_the_prompt_that_gets_posted(service, port, clock):
    """/prompt next's prompt is exactly the one posted, and the next one differs."""
    await schedule_friday(service)
    preview = (await service.next_info(MODERATOR)).prompt
    await clock.set(FRIDAY_DUE)
    assert posts_in(port, PROMPTS_CH)[0].message.embeds[0].description
    posted = await store.recent_posts(service.db, GUILD, 1)
    assert posted[0].prompt_id == preview.id
    assert (await service.next_info(MODERATOR)).prompt.id != preview.id


async def test_rotation_uses_every_prompt_before_repeating(service, port, clock):
    """Fifty weekly posts use the fifty built-in prompts once each, themes in turn; the 51st starts over."""
    await schedule_friday(service)
    await clock.set(FRIDAY_DUE)
    for _ in range(50):
        await clock.advance(days=7)
    records = list(reversed(await store.recent_posts(service.db, GUILD, 100)))
    assert len(records) == 51 and all(r.status == "posted" for r in records)
    ids = [r.prompt_id for r in records]
    assert len(set(ids[:50])) == 50 == len(bank.builtin("en"))
    assert ids[50] in ids[:50] and records[50].cycle == 2
    assert [r.theme for r in records[:5]] == ["features", "practice", "pain_points", "roadmap", "community"]


async def test_chosen_themes_only(service, clock):
    """A schedule on two themes posts only those."""
    await schedule_friday(service, themes="roadmap, communauté")
    await clock.set(FRIDAY_DUE)
    await clock.advance(days=7)
    await clock.advance(days=7)
    themes = [r.theme for r in await store.recent_posts(service.db, GUILD, 10)]
    assert sorted(set(themes)) == ["community", "roadmap"] and len(themes) == 3


async def test_ping_role_and_text_cannot_ping(service, port):
    """The opt-in role is pinged; prompt text with mentions and markdown shows as typed and pings nobody."""
    prompt = await service.add_prompt(MODERATOR, "features", "Hey @everyone and <@123>, which **report** do you use?")
    await schedule_friday(service, ping_role_id=555)
    await service.post_now(MODERATOR, "features")
    message = posts_in(port, PROMPTS_CH)[-1].message
    assert message.ping_role_ids == (555,) and message.content == "<@&555>"
    description = render.render_post("en", prompt, None).embeds[0].description
    assert "@everyone" not in description and "<@123>" not in description and "**" not in description
    assert description.replace("\u200b", "").replace("\\", "") == prompt.text
    assert render.render_post("en", prompt, None).ping_role_ids == ()


async def test_two_processes_post_once(settings, db, clock, port, service):
    """Two bot processes on the same database file post the week's prompt exactly once."""
    other_db = await SqliteDatabase(settings.database_path).connect()
    try:
        scheduler2 = Scheduler(other_db, clock)
        club2 = ClubService(other_db, clock, port, default_timezone="Europe/Paris", default_locale="en")
        ctx2 = AppContext(settings=settings, db=other_db, clock=clock, scheduler=scheduler2, port=port,
                          club=club2, secret=SECRET)
        await schedule_friday(service)
        second = PromptService(ctx2)
        second.register_jobs()
        await scheduler2.start()
        await scheduler2.caught_up()
        assert scheduler2.pending(JOB_POST)
        await clock.set(FRIDAY_DUE)
        assert len(posts_in(port, PROMPTS_CH)) == 1
        await clock.advance(days=7)
        assert len(posts_in(port, PROMPTS_CH)) == 2
        await scheduler2.stop()
    finally:
        await other_db.close()


async def restart(ctx):
    """A new process-like service on the same database."""
    return await restart_service(ctx, PromptService)


async def test_restart_rearms_from_the_database(service, ctx, clock, port):
    """After a restart the weekly job is armed again from the database and posts on time."""
    await schedule_friday(service)
    svc = await restart(ctx)
    assert [a.when for a in ctx.scheduler.pending(JOB_POST)] == [FRIDAY_DUE]
    await clock.set(FRIDAY_DUE)
    assert len(posts_in(port, PROMPTS_CH)) == 1
    assert svc is not service


def hold(port, kind):
    """Make ``port.<kind>`` wait until released; returns ``(entered, release)`` events."""
    entered, release = asyncio.Event(), asyncio.Event()
    original = getattr(port, kind)

    async def held(*args, **kwargs):
        entered.set()
        await release.wait()
        return await original(*args, **kwargs)

    setattr(port, kind, held)
    return entered, release


async def test_shutdown_during_post_gives_the_week_back(service, ctx, clock, port):
    """Stopped while the post is in flight (a 429 retry): the claim stays unfinished, the next start posts once."""
    await schedule_friday(service)
    entered, _release = hold(port, "send_message")
    moving = asyncio.create_task(clock.set(FRIDAY_DUE))
    await asyncio.wait_for(entered.wait(), 5)
    await ctx.scheduler.stop()
    await asyncio.wait_for(moving, 5)  # the job ended quietly; the clock's mover is not cancelled
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM claims WHERE done_at IS NULL") == 1
    del port.send_message  # the channel answers again
    await restart(ctx)
    [post] = posts_in(port, PROMPTS_CH)
    claim = await ctx.db.fetchone("SELECT done_at, discord_id FROM claims WHERE key = ?", (f"prompts:{GUILD}:2026-W49",))
    assert claim["done_at"] is not None and claim["discord_id"] == post.message_id
    await clock.advance(hours=2)
    await restart(ctx)
    assert len(posts_in(port, PROMPTS_CH)) == 1


async def test_killed_after_the_post_reached_discord_the_late_start_records_it(service, ctx, clock, port):
    """Killed while the week's post was in flight (it did reach Discord) and back 13 hours later,
    past the grace: the post is found in the channel and the week recorded posted, not missed."""
    await schedule_friday(service)
    entered = asyncio.Event()

    async def reached_then_killed(channel_id, message, *, nonce=None):
        await RecordingPort.send_message(port, channel_id, message, nonce=nonce)  # the message exists
        entered.set()
        await asyncio.Event().wait()  # and the answer never comes back

    port.send_message = reached_then_killed
    moving = asyncio.create_task(clock.set(FRIDAY_DUE))
    await asyncio.wait_for(entered.wait(), 5)
    await ctx.scheduler.stop()
    await asyncio.wait_for(moving, 5)
    del port.send_message
    await clock.set(FRIDAY_DUE + timedelta(hours=13))
    await restart(ctx)
    [post] = posts_in(port, PROMPTS_CH)
    claim = await ctx.db.fetchone("SELECT done_at, discord_id FROM claims WHERE key = ?", (f"prompts:{GUILD}:2026-W49",))
    assert claim["done_at"] is not None and claim["discord_id"] == post.message_id
    assert (await store.post_for_week(ctx.db, GUILD, "2026-W49")).status == "posted"


async def test_interrupted_after_the_message_exists_never_posts_twice(service, ctx, clock, port):
    """Interrupted while opening the thread: the message exists, so the week stays posted and no start reposts."""
    await schedule_friday(service)
    entered, _release = hold(port, "create_thread")
    moving = asyncio.create_task(clock.set(FRIDAY_DUE))
    await asyncio.wait_for(entered.wait(), 5)
    await ctx.scheduler.stop()
    await asyncio.wait_for(moving, 5)
    del port.create_thread
    await restart(ctx)
    await clock.advance(hours=1)
    [post] = posts_in(port, PROMPTS_CH)
    [record] = await store.recent_posts(ctx.db, GUILD, 5)
    assert record.status == "posted" and record.message_id == post.message_id and record.week == "2026-W49"


async def test_concurrent_post_now_picks_different_prompts(service, port):
    """Two post-now at the same moment post two different prompts, both recorded in the rotation."""
    first, second = await asyncio.gather(service.post_now(MODERATOR), service.post_now(MODERATOR))
    assert first.prompt.id != second.prompt.id
    assert [r.prompt_id for r in await store.recent_posts(service.db, GUILD, 5)] == [second.prompt.id, first.prompt.id]
    assert len(port.of("create_thread")) == 2 and first.thread_id and second.thread_id


async def test_downtime_under_12h_posts_late_without_note(service, ctx, clock, port):
    """Back 11 h after the due time: the prompt is posted at once, with the usual message."""
    await schedule_friday(service)
    await ctx.scheduler.stop()
    await clock.set(FRIDAY_DUE + timedelta(hours=11))
    assert not posts_in(port, PROMPTS_CH)
    await restart(ctx)
    [post] = posts_in(port, PROMPTS_CH)
    assert post.message.content is None
    assert "late" not in post.message.embeds[0].title.lower()
    info = await service.next_info(MODERATOR)
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=7) and not info.not_posted


async def test_downtime_over_12h_skips_and_shows_in_next(service, ctx, clock, port):
    """Back 13 h late: nothing is posted, the week shows as missed, the next one comes on schedule."""
    await schedule_friday(service)
    await ctx.scheduler.stop()
    await clock.set(FRIDAY_DUE + timedelta(hours=13))
    await restart(ctx)
    assert not posts_in(port, PROMPTS_CH)
    info = await service.next_info(MODERATOR)
    assert [(p.week, p.status) for p in info.not_posted] == [("2026-W49", "missed")]
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=7)
    await clock.set(FRIDAY_DUE + timedelta(days=7))
    assert len(posts_in(port, PROMPTS_CH)) == 1


async def test_long_downtime_records_each_missed_week(service, ctx, clock, port):
    """Three weeks down: three missed weeks are recorded, then posting resumes on schedule."""
    await schedule_friday(service)
    await ctx.scheduler.stop()
    await clock.set(FRIDAY_DUE + timedelta(days=14, hours=13))
    await restart(ctx)
    info = await service.next_info(MODERATOR)
    assert sorted(p.week for p in info.not_posted) == ["2026-W49", "2026-W50", "2026-W51"]
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=21)
    assert not posts_in(port, PROMPTS_CH)


async def test_weekly_time_stays_local_across_dst(ctx, clock, port):
    """Friday 18:00 Paris is posted at 17:00 UTC before the March change and 16:00 UTC after."""
    await clock.set(datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    await ctx.club.update(moderator(GUILD, MOD), prompts_channel_id=PROMPTS_CH)
    svc = PromptService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    await schedule_friday(svc)
    await clock.set(datetime(2027, 3, 26, 16, 59, tzinfo=UTC))
    assert not posts_in(port, PROMPTS_CH)
    await clock.advance(minutes=1)
    assert len(posts_in(port, PROMPTS_CH)) == 1
    await clock.set(datetime(2027, 4, 2, 15, 59, tzinfo=UTC))
    assert len(posts_in(port, PROMPTS_CH)) == 1
    await clock.advance(minutes=1)
    assert len(posts_in(port, PROMPTS_CH)) == 2


async def test_lost_channel_alerts_once_keeps_prompt_and_other_guilds_post(service, ctx, clock, port):
    """A guild whose channel refuses: moderators told once, retried hourly, prompt kept; the other guild posts."""
    await ctx.club.update(moderator(OTHER, MOD), prompts_channel_id=OTHER_CH)
    await schedule_friday(service)
    await schedule_friday(service, guild=OTHER)
    expected = (await service.next_info(MODERATOR)).prompt
    port.unpostable.add(PROMPTS_CH)
    await clock.set(FRIDAY_DUE)
    assert len(posts_in(port, OTHER_CH)) == 1
    assert not posts_in(port, PROMPTS_CH)
    [alert] = posts_in(port, FEEDBACK_CH)
    assert f"<#{PROMPTS_CH}>" in alert.message.content
    await clock.advance(hours=1)
    await clock.advance(hours=1)
    assert len(posts_in(port, FEEDBACK_CH)) == 1
    info = await service.next_info(MODERATOR)
    assert info.prompt.id == expected.id
    assert [p.status for p in info.not_posted] == ["failed"]
    audit = await ctx.club.recent_audit(moderator(GUILD))
    assert any(e.action == "prompts.alert" for e in audit)
    port.unpostable.discard(PROMPTS_CH)
    await clock.advance(hours=1)
    [post] = posts_in(port, PROMPTS_CH)
    posted = (await store.recent_posts(service.db, GUILD, 1))[0]
    assert posted.status == "posted" and posted.prompt_id == expected.id and posted.week == "2026-W49"
    assert (await service.next_info(MODERATOR)).not_posted == ()


async def test_channel_lost_for_the_whole_grace_keeps_prompt_for_next_week(service, ctx, clock, port):
    """Still failing after 12 h: the week is given up, the same prompt is posted the next week."""
    await schedule_friday(service)
    expected = (await service.next_info(MODERATOR)).prompt
    port.unpostable.add(PROMPTS_CH)
    await clock.set(FRIDAY_DUE)
    for _ in range(13):
        await clock.advance(hours=1)
    assert len(posts_in(port, FEEDBACK_CH)) == 1
    info = await service.next_info(MODERATOR)
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=7)
    port.unpostable.clear()
    await clock.set(FRIDAY_DUE + timedelta(days=7))
    [post] = posts_in(port, PROMPTS_CH)
    assert (await store.recent_posts(service.db, GUILD, 1))[0].prompt_id == expected.id


async def test_lost_channel_without_moderator_channel_goes_to_audit_log(ctx, clock, port):
    """No feedback or announcements channel: the alert lands in the audit log only."""
    await ctx.club.update(moderator(GUILD, MOD), prompts_channel_id=PROMPTS_CH)
    svc = PromptService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    await schedule_friday(svc)
    port.unpostable.add(PROMPTS_CH)
    await clock.set(FRIDAY_DUE)
    assert not port.of("send_message")
    assert [e.action for e in await ctx.club.recent_audit(moderator(GUILD))].count("prompts.alert") == 1


async def test_schedule_refuses_unpostable_or_missing_channel(ctx, port):
    """Scheduling needs a channel the bot can post in; the error names the channel field."""
    svc = PromptService(ctx)
    with pytest.raises(InvalidInput) as info:
        await schedule_friday(svc)
    assert info.value.key == "prompts.error.no_channel" and info.value.params["field"] == "prompts.channel"
    port.unpostable.add(OTHER_CH)
    with pytest.raises(InvalidInput) as info:
        await schedule_friday(svc, channel_id=OTHER_CH)
    assert info.value.key == "prompts.error.cannot_post"


async def test_pause_resume_and_skip(service, clock, port):
    """Pause stops posts, resume restarts at the next occurrence, skip drops the next one (recorded)."""
    await schedule_friday(service)
    await service.pause(MODERATOR)
    with pytest.raises(Conflict):
        await service.pause(MODERATOR)
    with pytest.raises(Conflict):
        await service.skip(MODERATOR)
    await clock.set(FRIDAY_DUE + timedelta(hours=1))
    assert not posts_in(port, PROMPTS_CH)
    info = await service.resume(MODERATOR)
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=7)
    with pytest.raises(Conflict):
        await service.resume(MODERATOR)
    skipped = await service.skip(MODERATOR)
    assert skipped == FRIDAY_DUE + timedelta(days=7)
    info = await service.next_info(MODERATOR)
    assert info.dates[0] == FRIDAY_DUE + timedelta(days=14)
    assert [(p.status, p.reason) for p in info.not_posted] == [("skipped", "moderator")]
    await clock.set(FRIDAY_DUE + timedelta(days=7, hours=1))
    assert not posts_in(port, PROMPTS_CH)
    await clock.set(FRIDAY_DUE + timedelta(days=14))
    assert len(posts_in(port, PROMPTS_CH)) == 1


async def test_commands_without_schedule(ctx):
    """Pause/resume/skip without a schedule say so."""
    svc = PromptService(ctx)
    for action in (svc.pause, svc.resume, svc.skip):
        with pytest.raises(NotFound) as info:
            await action(MODERATOR)
        assert info.value.key == "prompts.error.no_schedule"


async def test_post_now_counts_in_rotation(service, port, clock):
    """post-now posts a prompt of the theme with its thread; the scheduled post then picks another."""
    result = await service.post_now(MODERATOR, "roadmap")
    assert result.prompt.theme == "roadmap" and result.thread_id is not None
    await schedule_friday(service, themes="roadmap")
    assert (await service.next_info(MODERATOR)).prompt.id != result.prompt.id
    await clock.set(FRIDAY_DUE)
    posted = await store.recent_posts(service.db, GUILD, 5)
    assert len({p.prompt_id for p in posted}) == 2


async def test_post_now_errors(ctx, port):
    """post-now without channel, with an unknown theme, or a refusing channel raises a member-safe error."""
    svc = PromptService(ctx)
    with pytest.raises(InvalidInput):
        await svc.post_now(MODERATOR)
    await ctx.club.update(moderator(GUILD, MOD), prompts_channel_id=PROMPTS_CH)
    with pytest.raises(InvalidInput) as info:
        await svc.post_now(MODERATOR, "gossip")
    assert info.value.params["field"] == "prompts.theme"
    port.unpostable.add(PROMPTS_CH)
    with pytest.raises(Conflict) as info:
        await svc.post_now(MODERATOR)
    assert info.value.key == "prompts.error.cannot_post"


async def test_empty_bank_for_themes_alerts_moderators(service, clock, port):
    """When no prompt is left for the chosen themes, the week fails and moderators are told."""
    await schedule_friday(service, themes="community")
    page = await service.list_prompts(MODERATOR, "community")
    for prompt in page.items:
        await service.remove_prompt(MODERATOR, prompt.id)
    await clock.set(FRIDAY_DUE)
    assert not posts_in(port, PROMPTS_CH)
    [alert] = posts_in(port, FEEDBACK_CH)
    assert "/prompt add" in alert.message.content


async def test_bank_management(service):
    """Add, list, edit and remove prompts; duplicates are refused; paging covers the whole bank."""
    page = await service.list_prompts(MODERATOR)
    assert page.total == 50 and page.pages == 5 and len(page.items) == 10
    assert (await service.list_prompts(MODERATOR, page=99)).page == 5
    builtin = page.items[0]
    with pytest.raises(Conflict):
        await service.add_prompt(MODERATOR, "features", builtin.text.upper() + "  ")
    added = await service.add_prompt(MODERATOR, "Irritants", "Quel export refaites-vous à la main chaque mois ?")
    assert added.theme == "pain_points" and added.lang is None
    assert (await service.list_prompts(MODERATOR)).total == 51
    edited = await service.edit_prompt(MODERATOR, added.id, text="Quel export refaites-vous à la main chaque semaine ?",
                                       theme="practice")
    assert edited.theme == "practice" and "semaine" in edited.text
    with pytest.raises(Conflict):
        await service.edit_prompt(MODERATOR, added.id, text=builtin.text)
    await service.remove_prompt(MODERATOR, added.id)
    with pytest.raises(NotFound):
        await service.get_prompt(MODERATOR, added.id)
    with pytest.raises(NotFound):
        await service.remove_prompt(MODERATOR, added.id)
    assert (await service.list_prompts(MODERATOR)).total == 50
    with pytest.raises(NotFound):
        await service.get_prompt(moderator(OTHER, MOD), builtin.id)


async def test_club_language_picks_the_bank(ctx, service):
    """A French club sees the French bank plus its own prompts, not the English built-ins."""
    await service.add_prompt(MODERATOR, "community", "Who wants to co-host our spring meetup?")
    await ctx.club.update(moderator(GUILD, MOD), locale="fr")
    page = await service.list_prompts(MODERATOR, "community")
    texts = [p.text for p in page.items]
    assert "Who wants to co-host our spring meetup?" in texts
    assert all(p.lang in (None, "fr") for p in page.items)
    assert page.total == 11


async def test_import_reports_added_duplicates_and_rejected(service):
    """An import adds new prompts, reports duplicates (of the bank and within the file) and rejected lines."""
    builtin = (await service.list_prompts(MODERATOR)).items[0]
    data = (
        "features: Which add-on would you build if you had a free week?\n"
        f"features: {builtin.text}\n"
        "features: Which add-on would you build if you had a free week ?\n"
        "nonsense: Is this a theme?\n"
        "roadmap: tiny\n"
    ).encode()
    report = await service.import_prompts(MODERATOR, "mine.txt", data)
    assert [p.text for p in report.added] == ["Which add-on would you build if you had a free week?"]
    assert [line for line, _ in report.duplicates] == [2, 3]
    assert [(r.line, r.key) for r in report.rejected] == [(4, "prompts.import.no_theme"), (5, "prompts.import.too_short")]


async def test_suggestion_approved_joins_bank_and_dms_author(service, port):
    """A suggestion waits for review; approval adds it to the bank and DMs the author in their language."""
    suggestion = await service.suggest(member(GUILD, 7, locale="fr"), "practice", "Comment nommez-vous vos modèles de rapport ?")
    pending, total = await service.pending(MODERATOR)
    assert [s.id for s in pending] == [suggestion.id] and total == 1
    decision = await service.approve(MODERATOR, suggestion.id)
    assert decision.dm_delivered and decision.prompt.source == "suggestion"
    [dm] = port.of("send_dm")
    assert dm.target == 7 and "acceptée" in dm.message.content
    assert decision.prompt.id in [p.id for p in (await service.list_prompts(MODERATOR, "practice", page=2)).items]
    with pytest.raises(Conflict) as info:
        await service.reject(MODERATOR, suggestion.id)
    assert info.value.key == "prompts.error.already_decided"
    assert (await service.pending(MODERATOR))[1] == 0


async def test_suggestion_rejected_with_closed_dms(service, port):
    """Rejecting a suggestion of a member with closed DMs still works and says the DM failed."""
    port.closed_dms.add(8)
    suggestion = await service.suggest(member(GUILD, 8), "roadmap", "Should the product get an offline mode for audits?")
    decision = await service.reject(MODERATOR, suggestion.id)
    assert decision.suggestion.status == "rejected" and not decision.dm_delivered and decision.prompt is None
    assert (await service.list_prompts(MODERATOR, "roadmap")).total == 10


async def test_suggestion_limits(service):
    """Duplicates of the bank and more than 5 pending suggestions per member are refused; unknown ids too."""
    builtin = (await service.list_prompts(MODERATOR)).items[0]
    with pytest.raises(Conflict):
        await service.suggest(member(GUILD, 9), "features", builtin.text)
    for n in range(5):
        await service.suggest(member(GUILD, 9), "community", f"Suggestion number {n} for the next meetup?")
    with pytest.raises(Conflict) as info:
        await service.suggest(member(GUILD, 9), "community", "One suggestion too many for the queue?")
    assert info.value.params["limit"] == 5
    with pytest.raises(NotFound):
        await service.approve(MODERATOR, 9999)


async def test_replies_counted_with_hmac_participants_and_stats_chart(service, ctx, clock):
    """Replies in a prompt's thread are counted; participants are distinct HMAC keys, never raw ids."""
    result = await service.post_now(MODERATOR, "features")
    for author in (70001234, 70001234, 70005678, 70009999):
        assert await service.record_reply(member(GUILD, author), result.thread_id)
    assert not await service.record_reply(member(GUILD, 70001234), 424242)
    assert not await service.record_reply(member(OTHER, 70001234), result.thread_id)
    await clock.advance(days=7)
    second = await service.post_now(MODERATOR, "roadmap")
    await service.record_reply(member(GUILD, 70001234), second.thread_id)
    report = await service.stats(MODERATOR, weeks=4)
    assert [(p.theme, p.replies, p.participants) for p in report.posts] == [("features", 4, 3), ("roadmap", 1, 1)]
    assert {t.theme: (t.posts, t.replies, t.participants) for t in report.themes} == {
        "features": (1, 4, 3), "roadmap": (1, 1, 1)}
    assert report.chart.startswith(b"\x89PNG")
    keys = [r[0] for r in await ctx.db.fetchall("SELECT member_key FROM prompt_participants")]
    assert all("7000" not in k for k in keys) and all(len(k) == 64 for k in keys)
    with pytest.raises(InvalidInput):
        await service.stats(MODERATOR, weeks=0)


async def test_stats_window_excludes_old_posts(service, clock):
    """Posts older than the window are left out; an empty window has no chart."""
    await service.post_now(MODERATOR)
    await clock.advance(days=30)
    report = await service.stats(moderator(GUILD, MOD, locale="fr"), weeks=2)
    assert report.posts == () and report.chart is None


async def test_loader_skips_paused_schedules(service, ctx):
    """A paused schedule is not re-armed at start."""
    await schedule_friday(service)
    await service.pause(MODERATOR)
    await restart(ctx)
    assert ctx.scheduler.pending(JOB_POST) == []
    schedule = await store.get_schedule(ctx.db, GUILD)
    assert schedule.paused and from_ts(schedule.next_at) == FRIDAY_DUE


async def test_ping_role_everyone_refused(service):
    """The @everyone role (id = guild id) cannot be the ping role: it is not opt-in."""
    with pytest.raises(InvalidInput) as info:
        await schedule_friday(service, ping_role_id=GUILD)
    assert info.value.key == "prompts.error.ping_everyone" and info.value.params["field"] == "prompts.ping_role"


async def test_unexpected_error_rearms_the_job(service, ctx, clock, port, monkeypatch):
    """A crash inside the weekly job never leaves the schedule unarmed: it retries an hour later and posts."""
    await schedule_friday(service)
    calls = {"n": 0}
    original = service._choose

    async def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return await original(*args, **kwargs)

    monkeypatch.setattr(service, "_choose", flaky)
    await clock.set(FRIDAY_DUE)
    assert not posts_in(port, PROMPTS_CH)
    assert [a.when for a in ctx.scheduler.pending(JOB_POST)] == [FRIDAY_DUE + timedelta(hours=1)]
    claim = await ctx.db.fetchone("SELECT done_at FROM claims WHERE key = ?", (f"prompts:{GUILD}:2026-W49",))
    assert claim is not None and claim["done_at"] is None  # unfinished: the retry takes it over
    await clock.advance(hours=1)
    assert len(posts_in(port, PROMPTS_CH)) == 1


async def test_reply_seen_twice_counts_once_without_storing_its_id(service, ctx):
    """The same thread message seen by two processes counts once; its id is stored only as an HMAC."""
    result = await service.post_now(MODERATOR)
    assert await service.record_reply(member(GUILD, 70001234), result.thread_id, message_id=987654321987)
    assert not await service.record_reply(member(GUILD, 70001234), result.thread_id, message_id=987654321987)
    assert await service.record_reply(member(GUILD, 70001234), result.thread_id, message_id=987654321988)
    report = await service.stats(MODERATOR, chart=False)
    assert (report.posts[0].replies, report.posts[0].participants) == (2, 1)
    keys = [r[0] for r in await ctx.db.fetchall("SELECT key FROM claims WHERE key LIKE 'prompts:reply:%'")]
    assert len(keys) == 2 and not any("987654321" in k for k in keys)


async def test_prompt_text_is_kept_as_typed_unicode(service, port):
    """Emoji, combining accents, right-to-left and zero-width characters come back exactly as typed."""
    text = "Quelle fonctionnalité 🚀 vous manque ? e\u0301 — ما رأيك؟ \u200d<@&1> **gras**"
    added = await service.add_prompt(MODERATOR, "features", text)
    assert (await service.get_prompt(MODERATOR, added.id)).text == text
    rendered = render.render_post("fr", added, None).embeds[0].description
    assert "🚀" in rendered and "ما رأيك؟" in rendered and "<@&1>" not in rendered


def use_cases():
    """``(name, who)`` of every public coroutine of PromptService (the kernel's ``authorise`` aside)."""
    found = []
    for name in dir(PromptService):
        attr = getattr(PromptService, name)
        if name.startswith("_") or hasattr(FeatureService, name) or not inspect.iscoroutinefunction(attr):
            continue
        found.append((name, getattr(attr, USE_CASE_ATTRIBUTE, None)))
    return found


def test_every_public_coroutine_is_a_use_case():
    """Each public coroutine says who may call it (bot.actor.use_case); the weekly post is Cercle's own."""
    found = dict(use_cases())
    assert None not in found.values(), [n for n, who in found.items() if who is None]
    assert found["post_due"] == "system"
    assert {found[n] for n in ("suggest", "record_reply")} == {"member"}
    assert {n for n, who in found.items() if who == "moderator"} >= {
        "add_prompt", "edit_prompt", "remove_prompt", "import_prompts", "list_prompts", "set_schedule", "pause",
        "resume", "skip", "post_now", "next_info", "pending", "approve", "reject", "stats",
    }


async def test_moderator_use_cases_refuse_a_member_and_system_ones_a_moderator(service, port):
    """A plain member is refused every moderator use-case, a moderator the weekly post; nothing is sent."""
    plain = member(GUILD, 7)
    for name, who in use_cases():
        if who == "moderator":
            with pytest.raises(Forbidden):
                await getattr(service, name)(plain)
        elif who == "system":
            with pytest.raises(Forbidden):
                await getattr(service, name)(MODERATOR)
    with pytest.raises(TypeError):
        await service.pause(GUILD)
    assert port.calls == []


async def test_moderator_role_may_review_and_scheduler_posts(ctx, service, port, clock):
    """The club's moderator role (no Manage Server) reviews; the weekly post runs as Cercle itself."""
    await ctx.club.update(MODERATOR, moderator_role_id=77)
    suggestion = await service.suggest(member(GUILD, 7), "roadmap", "Which screen should we retire first, and why?")
    decision = await service.approve(member(GUILD, 8, role_ids=(77,)), suggestion.id)
    assert decision.suggestion.decided_by == 8
    await schedule_friday(service)
    await ctx.scheduler.stop()
    await clock.set(FRIDAY_DUE)
    result = await service.post_due(Actor.scheduler(GUILD))
    assert result is not None and len(posts_in(port, PROMPTS_CH)) == 1
    assert await service.post_due(Actor.scheduler(GUILD)) is None


async def test_member_use_cases_need_a_guild(service):
    """A suggestion or a reply from a DM (no guild) is refused with ``error.guild_only``."""
    with pytest.raises(CercleError) as info:
        await service.suggest(member(None, 7), "roadmap", "Which screen should we retire first, and why?")
    assert info.value.key == "error.guild_only"
    with pytest.raises(CercleError):
        await service.record_reply(member(None, 7), 123)
