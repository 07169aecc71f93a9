"""Weekly prompts' schedule end to end through the fake Discord: posting by moving the clock,
rotation, pause/resume/skip/post-now/next, downtime catch-up, two processes, a lost channel
and a DST change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.e2e.harness import build_club
from tests.fakediscord import P

FRIDAY_DUE = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # Friday 18:00 in Paris; the harness starts Monday


def bot_posts(harness, channel):
    """What the bot posted in a channel."""
    return [m for m in harness.fake.messages_in(channel.id) if m.author_id == harness.fake.bot_user.id]


async def slash_with_channel_option(fake, user, path, *, guild, channel_option, locale=None, **options):
    """``fake.slash`` passing an *option* named ``channel`` (``/prompt schedule`` has one)."""
    return await fake.slash(user, path, guild=guild, locale=locale, options=dict(options, channel=channel_option))


async def schedule(harness, user=None, *, locale=None, channel_option=None, **options):
    """/prompt schedule Friday 18:00 (club zone) as ``user`` (default: the admin)."""
    c = harness.club
    options.setdefault("weekday", 4)
    options.setdefault("time", "18:00")
    if channel_option is not None:
        return await slash_with_channel_option(
            harness.fake, user or c.admin, "prompt schedule", guild=c.guild, channel_option=channel_option,
            locale=locale, **options,
        )
    return await harness.fake.slash(user or c.admin, "prompt schedule", guild=c.guild, locale=locale, **options)


async def ready(harness):
    """Club defaults set, the French moderator allowed to use /prompt."""
    await harness.configure_defaults()
    harness.fake.allow_command(harness.club.guild, "prompt", harness.club.moderator_role)


async def at(harness, instant):
    """Move the fake clock (running due work) and let the bot's requests finish."""
    await harness.clock.set(instant)
    await harness.fake.settle()


async def test_schedule_posts_message_and_thread_when_the_clock_moves(harness):
    """Friday 18:00 Paris: the prompt is posted with its theme and a thread opens for answers."""
    await ready(harness)
    c = harness.club
    reply = await schedule(harness)
    assert "Weekly prompts scheduled" in reply.text() and "Every Friday at 18:00 (Europe/Paris)" in reply.text()
    assert f"<t:{int(FRIDAY_DUE.timestamp())}:F>" in reply.text()
    await at(harness, FRIDAY_DUE - timedelta(minutes=1))
    assert bot_posts(harness, c.prompts) == []
    await at(harness, FRIDAY_DUE)
    [post] = bot_posts(harness, c.prompts)
    assert "Prompt of the week · Features" in post.text()
    thread = harness.fake.channels[post.id]
    assert thread.is_thread and thread.parent_id == c.prompts.id and 1 <= len(thread.name) <= 100


async def test_schedule_in_french_posts_french_prompt_and_pings_role(harness):
    """A French club gets the French bank; the opt-in role is pinged, nobody else."""
    await ready(harness)
    c = harness.club
    await harness.set_club(language="fr")
    reply = await schedule(harness, c.moderator, weekday=0, time="9h30", ping_role=c.member_role, themes="pratique")
    assert "Questions hebdomadaires planifiées" in reply.text() and "Chaque lundi à 09:30" in reply.text()
    await at(harness, datetime(2026, 12, 7, 8, 30, tzinfo=UTC))
    [post] = bot_posts(harness, c.prompts)
    assert "La question de la semaine · Pratique" in post.text()
    assert post.data["mention_roles"] == [str(c.member_role.id)] and post.data["mention_everyone"] is False


async def test_bad_schedule_inputs_name_the_field(harness):
    """A bad time, an unknown theme, or a channel the bot cannot post in are refused, naming the field."""
    await ready(harness)
    c = harness.club
    assert "Create one with `/prompt schedule`" in (await harness.fake.slash(c.admin, "prompt next", guild=c.guild)).text()
    assert "**time**" in (await schedule(harness, time="25h")).text()
    assert "**heure**" in (await schedule(harness, c.moderator, time="midi et quart")).text()
    themes = await schedule(harness, themes="features, gossip")
    assert "**themes**" in themes.text() and "gossip" in themes.text()
    refused = await schedule(harness, channel_option=c.readonly)
    assert "I cannot post in" in refused.text()
    elsewhere = await schedule(harness, channel_option=c.general)
    assert f"<#{c.general.id}>" in elsewhere.text()
    await at(harness, FRIDAY_DUE)
    assert len(bot_posts(harness, c.general)) == 1 and bot_posts(harness, c.prompts) == []


async def test_rotation_no_repeat_until_the_theme_set_is_exhausted(harness):
    """On one theme, ten weeks post the ten prompts once each; the eleventh week starts a new round."""
    await ready(harness)
    c = harness.club
    await schedule(harness, themes="community")
    for week in range(11):
        await at(harness, FRIDAY_DUE + timedelta(days=7 * week))
    posts = bot_posts(harness, c.prompts)
    assert len(posts) == 11
    texts = [p.embeds[0]["description"] for p in posts]
    assert len(set(texts[:10])) == 10 and texts[10] in texts[:10]
    assert all("Community" in p.embeds[0]["title"] for p in posts)


async def test_rotation_goes_through_the_themes(harness):
    """Five weeks on all themes: one prompt of each theme, in order."""
    await ready(harness)
    c = harness.club
    await schedule(harness)
    for week in range(5):
        await at(harness, FRIDAY_DUE + timedelta(days=7 * week))
    titles = [p.embeds[0]["title"].split("· ")[1] for p in bot_posts(harness, c.prompts)]
    assert titles == ["Features", "Practice", "Pain points", "Roadmap", "Community"]


async def test_next_shows_dates_and_the_prompt_that_gets_posted(harness):
    """/prompt next shows the next three dates and exactly the prompt posted on Friday, in both languages."""
    await ready(harness)
    c = harness.club
    await schedule(harness)
    shown = await harness.fake.slash(c.admin, "prompt next", guild=c.guild)
    field = next(f for f in shown.message.embeds[0]["fields"] if f["name"] == "Next prompt")
    announced = field["value"].split("\n", 1)[1]
    assert shown.text().count("<t:") >= 6
    french = await harness.fake.slash(c.moderator, "prompt next", guild=c.guild)
    assert "Prochaine question" in french.text() and "Chaque vendredi à 18:00" in french.text()
    await at(harness, FRIDAY_DUE)
    assert bot_posts(harness, c.prompts)[0].embeds[0]["description"] == announced


async def test_pause_resume_skip(harness):
    """Pause stops the Friday post; resume restarts; skip drops the next week, shown in /prompt next."""
    await ready(harness)
    c, fake = harness.club, harness.fake
    await schedule(harness)
    assert "paused" in (await fake.slash(c.admin, "prompt pause", guild=c.guild)).text()
    assert "déjà en pause" in (await fake.slash(c.moderator, "prompt pause", guild=c.guild)).text()
    await at(harness, FRIDAY_DUE + timedelta(hours=1))
    assert bot_posts(harness, c.prompts) == []
    resumed = await fake.slash(c.moderator, "prompt resume", guild=c.guild)
    assert "relancées" in resumed.text()
    skipped = await fake.slash(c.admin, "prompt skip", guild=c.guild)
    second_friday = FRIDAY_DUE + timedelta(days=7)
    assert f"<t:{int(second_friday.timestamp())}:F> will be skipped" in skipped.text()
    shown = await fake.slash(c.admin, "prompt next", guild=c.guild)
    assert "skipped by a moderator" in shown.text()
    assert "sautée par un modérateur" in (await fake.slash(c.moderator, "prompt next", guild=c.guild)).text()
    await at(harness, second_friday + timedelta(hours=1))
    assert bot_posts(harness, c.prompts) == []
    await at(harness, FRIDAY_DUE + timedelta(days=14))
    assert len(bot_posts(harness, c.prompts)) == 1


async def test_post_now_with_theme_in_both_languages(harness):
    """post-now posts at once (with a thread) in the chosen theme, and answers in the moderator's language."""
    await ready(harness)
    c, fake = harness.club, harness.fake
    reply = await fake.slash(c.admin, "prompt post-now", guild=c.guild, theme="roadmap")
    assert f"Posted in <#{c.prompts.id}>" in reply.text() and "Roadmap" in reply.text()
    french = await fake.slash(c.moderator, "prompt post-now", guild=c.guild)
    assert "Publiée dans" in french.text()
    posts = bot_posts(harness, c.prompts)
    assert len(posts) == 2 and all(fake.channels[p.id].is_thread for p in posts)


async def test_downtime_under_12_hours_posts_late(harness):
    """The bot is down at 18:00 and back at 05:00: the prompt is posted at once, with no note."""
    await ready(harness)
    c = harness.club
    await schedule(harness)
    await harness.stop()
    await harness.clock.set(FRIDAY_DUE + timedelta(hours=11))
    await harness.start()
    await harness.fake.settle()
    [post] = bot_posts(harness, c.prompts)
    assert "late" not in post.text().lower() and post.content == ""
    shown = await harness.fake.slash(c.admin, "prompt next", guild=c.guild)
    assert "Recent weeks without a post" not in shown.text()


async def test_downtime_over_12_hours_skips_and_tells_next(harness):
    """Back 13 hours late: nothing is posted, /prompt next shows the missed week, next Friday posts."""
    await ready(harness)
    c = harness.club
    await schedule(harness)
    await harness.stop()
    await harness.clock.set(FRIDAY_DUE + timedelta(hours=13))
    await harness.start()
    await harness.fake.settle()
    assert bot_posts(harness, c.prompts) == []
    shown = await harness.fake.slash(c.admin, "prompt next", guild=c.guild)
    assert "2026-W49" in shown.text() and "missed: Cercle was offline for more than 12 hours" in shown.text()
    french = await harness.fake.slash(c.moderator, "prompt next", guild=c.guild)
    assert "manquée" in french.text()
    await at(harness, FRIDAY_DUE + timedelta(days=7))
    assert len(bot_posts(harness, c.prompts)) == 1


async def test_stop_during_rate_limited_post_retries_at_next_start_once(harness):
    """The bot stops while the week's post waits out a 429: the next start posts it, once, with its thread."""
    await ready(harness)
    c, fake = harness.club, harness.fake
    await schedule(harness)
    await at(harness, FRIDAY_DUE - timedelta(minutes=1))
    fake.inject_429("POST", r"/channels/\d+/messages$", retry_after=3.0, times=1)
    moving = asyncio.create_task(harness.clock.set(FRIDAY_DUE + timedelta(minutes=1)))
    for _ in range(100):
        if fake.hits_429():
            break
        await asyncio.sleep(0.02)
    assert fake.hits_429() == 1
    await harness.stop()  # mid-retry
    moving.cancel()
    await asyncio.gather(moving, return_exceptions=True)
    assert bot_posts(harness, c.prompts) == []
    await harness.start()
    await at(harness, FRIDAY_DUE + timedelta(minutes=5))
    [post] = bot_posts(harness, c.prompts)
    assert fake.channels[post.id].is_thread
    await at(harness, FRIDAY_DUE + timedelta(hours=3))
    await harness.restart()
    await at(harness, FRIDAY_DUE + timedelta(hours=4))
    assert len(bot_posts(harness, c.prompts)) == 1
    shown = await fake.slash(c.admin, "prompt next", guild=c.guild)
    assert "Recent weeks without a post" not in shown.text()


async def test_post_now_twice_at_once_posts_two_different_prompts(harness):
    """Two /prompt post-now at the same moment post two different prompts (no repeat in the rotation)."""
    await ready(harness)
    c, fake = harness.club, harness.fake
    first, second = await asyncio.gather(
        fake.slash(c.admin, "prompt post-now", guild=c.guild),
        fake.slash(c.moderator, "prompt post-now", guild=c.guild),
    )
    assert "Posted in" in first.text() and "Publiée dans" in second.text()
    posts = bot_posts(harness, c.prompts)
    assert len(posts) == 2 and posts[0].embeds[0]["description"] != posts[1].embeds[0]["description"]


async def test_two_processes_on_one_database_post_once(harness):
    """A second bot process started by mistake on the same database: the week is posted once, a reply counted once."""
    await ready(harness)
    c = harness.club
    await schedule(harness)
    second = harness.new_bot()
    task = asyncio.create_task(second.start(harness.fake.token))
    await asyncio.wait_for(second.wait_until_ready(), timeout=20)
    try:
        assert second.ctx.scheduler.pending("prompts.post")
        await at(harness, FRIDAY_DUE)
        await at(harness, FRIDAY_DUE + timedelta(hours=1))
        assert len(bot_posts(harness, c.prompts)) == 1
        await at(harness, FRIDAY_DUE + timedelta(days=7))
        assert len(bot_posts(harness, c.prompts)) == 2
        await harness.fake.post(c.alice, harness.fake.channels[bot_posts(harness, c.prompts)[0].id], "We use it daily")
        await harness.fake.settle()
    finally:
        await second.close()
        await asyncio.wait_for(task, timeout=10)
    stats = await harness.fake.slash(c.admin, "prompt stats", guild=c.guild)
    assert "replies: 1 · participants: 1" in stats.text() and "replies: 2" not in stats.text()


async def test_lost_channel_permission_tells_moderators_once_and_other_guild_posts(harness):
    """The bot loses Send Messages in one club's channel: its moderators are told once, the prompt is kept,
    another club's prompt goes out; once fixed, the kept prompt is posted within the grace period."""
    fake = harness.fake
    other = build_club(fake, name="Autre club")
    await harness.restart()
    await ready(harness)
    c = harness.club
    for option, value in (("prompts_channel", other.prompts), ("language", "fr")):
        await fake.slash(other.admin, "club config set", guild=other.guild, **{option: value})
    await schedule(harness)
    await fake.slash(other.admin, "prompt schedule", guild=other.guild, weekday=4, time="18:00")
    announced = (await fake.slash(c.admin, "prompt next", guild=c.guild)).message.embeds[0]["fields"]
    await fake.set_overwrite(c.prompts, fake.bot_user.id, type=1, deny=P.SEND_MESSAGES)
    await at(harness, FRIDAY_DUE)
    assert bot_posts(harness, c.prompts) == []
    assert len(bot_posts(harness, other.prompts)) == 1
    [alert] = bot_posts(harness, c.feedback)
    assert f"<#{c.prompts.id}>" in alert.text() and "kept for the next post" in alert.text()
    await at(harness, FRIDAY_DUE + timedelta(hours=1))
    await at(harness, FRIDAY_DUE + timedelta(hours=2))
    assert len(bot_posts(harness, c.feedback)) == 1
    shown = await fake.slash(c.admin, "prompt next", guild=c.guild)
    assert "not posted: the channel was unavailable" in shown.text()
    await fake.set_overwrite(c.prompts, fake.bot_user.id, type=1)
    await at(harness, FRIDAY_DUE + timedelta(hours=3))
    [post] = bot_posts(harness, c.prompts)
    kept = next(f for f in announced if f["name"] == "Next prompt")["value"].split("\n", 1)[1]
    assert post.embeds[0]["description"] == kept


async def test_deleted_channel_alert_goes_to_announcements_without_feedback_channel(harness):
    """The prompts channel is deleted and no feedback channel is set: the alert goes to announcements, once."""
    c, fake = harness.club, harness.fake
    await harness.set_club(announcements_channel=c.announcements, prompts_channel=c.prompts)
    await schedule(harness)
    await fake.delete_channel(c.prompts)
    await at(harness, FRIDAY_DUE)
    await at(harness, FRIDAY_DUE + timedelta(hours=1))
    [alert] = bot_posts(harness, c.announcements)
    assert "could not post this week's discussion prompt" in alert.text()


async def test_weekly_time_keeps_local_time_across_dst(harness):
    """Friday 18:00 Paris is posted at 17:00 UTC in March before the change and at 16:00 UTC after it."""
    await ready(harness)
    c = harness.club
    await at(harness, datetime(2027, 3, 20, 12, 0, tzinfo=UTC))
    await schedule(harness)
    await at(harness, datetime(2027, 3, 26, 16, 59, tzinfo=UTC))
    assert bot_posts(harness, c.prompts) == []
    await at(harness, datetime(2027, 3, 26, 17, 0, tzinfo=UTC))
    assert len(bot_posts(harness, c.prompts)) == 1
    await at(harness, datetime(2027, 4, 2, 15, 59, tzinfo=UTC))
    assert len(bot_posts(harness, c.prompts)) == 1
    await at(harness, datetime(2027, 4, 2, 16, 0, tzinfo=UTC))
    assert len(bot_posts(harness, c.prompts)) == 2


async def test_themes_autocomplete_builds_a_list(harness):
    """Typing in themes suggests 'all' and theme names in the member's language, appending to what is typed."""
    await ready(harness)
    c, fake = harness.club, harness.fake
    first = await fake.autocomplete(c.admin, "prompt schedule", "themes", guild=c.guild, weekday=4, time="18:00")
    assert [ch["value"] for ch in first][:2] == ["all", "Features"]
    more = await fake.autocomplete(c.moderator, "prompt schedule", "themes", guild=c.guild, weekday=4, time="18:00",
                                   themes="Fonctionnalités, feuille")
    assert [ch["value"] for ch in more] == ["Fonctionnalités, Feuille de route"]
    reply = await schedule(harness, themes=more[0]["value"])
    assert "Features, Roadmap" in reply.text()
