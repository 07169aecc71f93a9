"""Use-cases of anonymous feedback against a real SQLite file, a fake clock and a recording port."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import timedelta

import pytest

from bot.actor import Actor
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.feedback import cohorts, store
from bot.feedback.service import CLOSE_KIND, DIGEST_KIND, FeedbackService
from tests.actors import member, moderator
from tests.feedback.conftest import CHANNEL, GUILD, MOD, ROLE

MODERATOR = moderator(GUILD, MOD)
SURVEYS = Actor.scheduler(GUILD)


def dm(user_id: int) -> Actor:
    """A member acting from a DM (no guild, no roles)."""
    return member(None, user_id)


def in_server(user_id: int) -> Actor:
    """A member acting in the server, without roles."""
    return member(GUILD, user_id)


QUESTIONS = ["0-10: How likely are you to recommend the software to a peer?", "What hurts most?"]


async def _campaign(svc, port, members=(11, 12, 13, 14, 15, 16), role=ROLE, closes="in 7 days", release=None):
    port.members[(GUILD, role)] = list(members)
    return await svc.start_campaign(
        MODERATOR, title="Q4 survey", closes=closes, questions=QUESTIONS, audience_role_id=role, release=release
    )


async def waiting_values(db, campaign_id: int) -> list[list[list]]:
    """The values of a campaign's answers still waiting for their cohort (never shown)."""
    rows = await db.fetchall("SELECT answer_values FROM feedback_pending WHERE campaign_id = ?", (campaign_id,))
    return [json.loads(r[0]) for r in rows]


async def test_give_stores_no_identity_and_returns_receipt(svc, ctx):
    """Spontaneous feedback returns a receipt; it waits for its cohort with a random id, no
    time at all, the receipt's hash and the week's one-voice HMAC only; released with k−1
    others it gets the release's week."""
    author = 987654321012345678  # a snowflake no random hex id can contain by chance
    code = await svc.give(in_server(author), GUILD, text="Exports are slow", category="pain_point", rating="3")
    assert len(code) == 11 and code[5] == "-"
    row = dict(await ctx.db.fetchone("SELECT * FROM feedback_pending"))
    assert len(row["id"]) == 32 and len(row["voice"]) == 64 and "week" not in row
    assert code.replace("-", "") not in str(tuple(row.values())) and str(author) not in str(tuple(row.values()))
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_answers") == 0
    for user in (51, 52, 53, 54):
        await svc.give(in_server(user), GUILD, text=f"more {user}")
    released = [dict(r) for r in await ctx.db.fetchall("SELECT * FROM feedback_answers")]
    assert len(released) == 5 and {r["week"] for r in released} == {"2026-W49"}
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_pending") == 0


async def test_give_validates_fields(svc):
    """Empty text, bad category and bad rating are refused naming the field."""
    with pytest.raises(InvalidInput) as err:
        await svc.give(in_server(50), GUILD, text="  ")
    assert err.value.params["field"] == "feedback_text"
    with pytest.raises(InvalidInput):
        await svc.give(in_server(50), GUILD, text="x", category="nope")
    with pytest.raises(InvalidInput) as err:
        await svc.give(in_server(50), GUILD, text="x", rating="12")
    assert err.value.params["field"] == "feedback_rating"


async def test_withdraw_by_receipt(svc, ctx):
    """A receipt deletes its answer once; a wrong or reused code is refused."""
    code = await svc.give(in_server(50), GUILD, text="hello", category="praise")
    result = await svc.withdraw(dm(99), code.lower())
    assert result.category == "praise" and not result.digested
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_answers") == 0
    with pytest.raises(NotFound):
        await svc.withdraw(dm(99), code)
    with pytest.raises(InvalidInput):
        await svc.withdraw(dm(99), " ")


async def test_start_campaign_fans_out_and_counts_closed_dms(svc, ctx, port):
    """DMs go to each audience member; closed DMs are counted, not fatal; the channel gets the announcement."""
    port.closed_dms = {12, 14}
    result = await _campaign(svc, port)
    assert (result.invited, result.sent, result.failed) == (6, 4, 2)
    assert result.failures == {"dm_closed": 2} and result.announced
    dms = port.of("send_dm")
    assert {d.target for d in dms} == {11, 13, 15, 16}
    button = dms[0].message.components[0]
    assert button.custom_id == f"cercle:feedback:answer:{result.campaign_id}"
    announce = port.of("send_message")[0]
    assert announce.target == CHANNEL and announce.message.components[0].custom_id == button.custom_id
    campaign = await store.get_campaign(ctx.db, result.campaign_id)
    assert (campaign.invited, campaign.dm_sent, campaign.dm_failed) == (6, 4, 2)
    assert [a.kind for a in ctx.scheduler.pending(CLOSE_KIND)] == [CLOSE_KIND]


async def test_fan_out_is_paced(ctx, port):
    """The fan-out sleeps 1/rate between DMs (well under Discord's 50/s)."""
    slept = []

    async def record(seconds):
        slept.append(seconds)

    ctx.sleep = record
    svc = FeedbackService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    await _campaign(svc, port, members=range(100, 110))
    assert len(slept) == 9 and all(s == pytest.approx(2 / ctx.fanout_rate) for s in slept)
    assert ctx.fanout_rate < 50


async def test_start_campaign_validation(svc, port):
    """Bad title, past close time and too-long question name their field."""
    with pytest.raises(InvalidInput) as err:
        await svc.start_campaign(MODERATOR, title="x" * 101, closes="in 2 days", questions=["a"])
    assert err.value.params["field"] == "feedback_title"
    with pytest.raises(InvalidInput) as err:
        await svc.start_campaign(MODERATOR, title="t", closes="yesterday", questions=["a"])
    assert err.value.params["field"] == "feedback_closes"
    with pytest.raises(InvalidInput) as err:
        await svc.start_campaign(MODERATOR, title="t", closes="gibberish words", questions=["a"])
    assert err.value.key == "error.bad_time"


async def test_one_answer_per_member_and_replace_with_receipt(svc, ctx, port):
    """A second answer is refused; the receipt replaces the first; a wrong receipt is refused."""
    started = await _campaign(svc, port)
    cid = started.campaign_id
    form = await svc.open_form(dm(11), cid)
    assert not form.already_answered and [q.kind for q in form.questions] == ["rating", "text"]
    code = await svc.submit_answer(dm(11), cid, ["9", "slow exports"])
    assert (await svc.open_form(dm(11), cid)).already_answered
    with pytest.raises(Conflict) as err:
        await svc.submit_answer(dm(11), cid, ["3", "again"])
    assert err.value.key == "feedback.error.already_answered"
    await svc.replace_answer(dm(11), cid, code, ["10", "fast now"])
    assert await waiting_values(ctx.db, cid) == [[[1, 10, None], [2, None, "fast now"]]]
    assert await store.campaign_answers(ctx.db, cid) == []  # nothing readable before the close
    with pytest.raises(NotFound):
        await svc.replace_answer(dm(11), cid, "AAAAA-22222", ["1", "x"])


async def test_withdraw_frees_slot_while_open(svc, port):
    """After withdrawing, the member may answer the open campaign again."""
    cid = (await _campaign(svc, port)).campaign_id
    code = await svc.submit_answer(dm(11), cid, ["5", ""])
    withdrawn = await svc.withdraw(dm(11), code)
    assert withdrawn.campaign_title == "Q4 survey"
    assert not (await svc.open_form(dm(11), cid)).already_answered
    await svc.submit_answer(dm(11), cid, ["6", ""])


async def test_role_campaign_eligibility(svc, port):
    """Outside the audience role a member is refused; in the server the role counts, in DMs the invitation."""
    cid = (await _campaign(svc, port, members=(11, 12))).campaign_id
    await svc.open_form(dm(11), cid)  # invited (DM)
    await svc.open_form(member(GUILD, 99, role_ids=(ROLE,)), cid)  # joined the role later, clicks in the server
    with pytest.raises(Forbidden):
        await svc.open_form(member(GUILD, 99, role_ids=(1234,)), cid)
    with pytest.raises(Forbidden):
        await svc.open_form(dm(99), cid)


async def test_everyone_campaign_open_to_all(svc, port):
    """A campaign for everyone accepts any member of the server."""
    port.members[(GUILD, None)] = [11, 12]
    result = await svc.start_campaign(MODERATOR, title="All", closes="in 3 days", questions=["Anything?"])
    receipt = await svc.submit_answer(dm(4242), result.campaign_id, ["sure"])
    assert len(receipt) == len("ABCDE-12345") and receipt[5] == "-"
    assert await cohorts.count_waiting(svc.db, GUILD, result.campaign_id) == 1


async def test_close_by_clock_and_refuse_late_answers(svc, ctx, port, clock):
    """Moving the clock past `closes` closes the campaign once, edits the announcement and posts a note."""
    cid = (await _campaign(svc, port, closes="in 2 days")).campaign_id
    await svc.submit_answer(dm(11), cid, ["7", "ok"])
    await clock.advance(days=2, seconds=1)
    campaign = await store.get_campaign(ctx.db, cid)
    assert campaign.status == "closed"
    edited = port.of("edit_message")
    assert edited and edited[-1].message.components == ()
    notes = [c for c in port.of("send_message") if c.message.content and "closed" in c.message.content]
    assert len(notes) == 1 and "1 answer" in notes[0].message.content
    with pytest.raises(Conflict):
        await svc.submit_answer(dm(12), cid, ["1", ""])
    await clock.advance(days=1)
    assert len([c for c in port.of("send_message") if c.message.content]) == 1


async def test_close_after_restart(ctx, port, clock, settings, db):
    """A campaign due while the bot was down closes at the next start (re-armed from the database)."""
    svc = FeedbackService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    await ctx.club.update(moderator(GUILD, MOD), feedback_channel_id=CHANNEL)
    cid = (await _campaign(svc, port, closes="in 1 day")).campaign_id
    await ctx.scheduler.stop()
    await clock.advance(days=3)
    from bot.scheduler import Scheduler

    ctx.scheduler = Scheduler(db, clock)
    fresh = FeedbackService(ctx)
    fresh.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    assert (await store.get_campaign(db, cid)).status == "closed"
    await ctx.scheduler.stop()


async def test_manual_close_and_list(svc, port):
    """A moderator closes a campaign; closing twice is a conflict; the list shows counts."""
    cid = (await _campaign(svc, port)).campaign_id
    await svc.submit_answer(dm(11), cid, ["8", ""])
    await svc.close_campaign(MODERATOR, cid)
    with pytest.raises(Conflict):
        await svc.close_campaign(MODERATOR, cid)
    with pytest.raises(NotFound):
        await svc.close_campaign(moderator(GUILD + 1, MOD), cid)
    listed = await svc.list_campaigns(MODERATOR)
    assert listed[0].campaign.id == cid and listed[0].answers == 1 and listed[0].campaign.status == "closed"


async def test_report_threshold(svc, port):
    """Live cohorts: k−1 answers: only the count of those waiting; the k-th releases them
    all: averages, NPS, chart and shuffled texts."""
    cid = (await _campaign(svc, port, release="live")).campaign_id
    for n, user in enumerate((11, 12, 13, 14)):
        await svc.submit_answer(dm(user), cid, [str(6 + n), f"secret text {user}"])
    hidden = await svc.report_message(moderator(GUILD, MOD, locale="en"), cid)
    rendered = str(hidden)
    assert "secret text" not in rendered and "4" in hidden.embeds[0].description and not hidden.files
    await svc.submit_answer(dm(15), cid, ["10", "secret text 15"])
    shown = await svc.report_message(moderator(GUILD, MOD, locale="fr"), cid, rng=random.Random(3))
    text = str(shown)
    assert all(f"secret text {m}" in text for m in (11, 12, 13, 14, 15))
    report = await svc.campaign_report(MODERATOR, cid)
    assert report.questions[0].mean == pytest.approx(8.0) and report.questions[0].nps == 20
    assert shown.files[0].filename == "report.png" and shown.files[0].data[:4] == b"\x89PNG"


async def test_continuous_report_threshold(svc):
    """Spontaneous feedback report shows only the count below k, categories above."""
    for i in range(4):
        await svc.give(in_server(50 + i), GUILD, text=f"pain {i}", category="pain_point")
    assert "pain 0" not in str(await svc.report_message(moderator(GUILD, MOD, locale="en"), None))
    await svc.give(in_server(60), GUILD, text="love it", category="praise", rating=9)
    shown = str(await svc.report_message(moderator(GUILD, MOD, locale="en"), None))
    assert "pain 0" in shown and "love it" in shown and "Pain point" in shown


async def test_digest_batches_at_threshold(svc, ctx, port):
    """The digest posts nothing below k, then one batch with channel.send; digested items leave the queue."""
    await svc.set_digest_schedule(MODERATOR, review=False)  # a club with automatic digests
    for i in range(4):
        await svc.give(in_server(50 + i), GUILD, text=f"idea {i} @everyone <@123>", category="feature_request")
    waiting = await svc.digest(MODERATOR)
    assert waiting.posted == 0 and waiting.pending == 4 and not port.of("send_message")
    await svc.give(in_server(60), GUILD, text="**bold** [link](http://x.y)", category="other")
    done = await svc.digest(MODERATOR)
    assert done.posted == 5 and done.message_id
    posts = port.of("send_message")
    assert len(posts) == 1 and posts[0].target == CHANNEL
    text = str(posts[0].message)
    assert "@everyone" not in text and "<@123>" not in text and "**bold**" not in text
    again = await svc.digest(MODERATOR)
    assert again.posted == 0 and again.pending == 0


async def test_digest_needs_channel(ctx, port):
    """Without a feedback channel the manual digest explains what to set."""
    svc = FeedbackService(ctx)
    svc.register_jobs()
    await ctx.scheduler.start()
    await ctx.scheduler.caught_up()
    with pytest.raises(Conflict) as err:
        await svc.digest(moderator(GUILD + 5, MOD))
    assert err.value.key == "feedback.error.no_channel"


async def test_digest_post_failure_keeps_feedback_pending(svc, port):
    """When the channel refuses the post, the feedback stays pending for the next digest."""
    await svc.set_digest_schedule(MODERATOR, review=False)  # a club with automatic digests
    for i in range(5):
        await svc.give(in_server(50 + i), GUILD, text=f"t{i}")
    port.unpostable.add(CHANNEL)
    with pytest.raises(Conflict):
        await svc.digest(MODERATOR)
    port.unpostable.clear()
    assert (await svc.digest(MODERATOR)).posted == 5


async def test_weekly_digest_runs_once_per_week(svc, port, clock):
    """The weekly digest fires at Monday 09:00 club time, posts the batch once, and re-arms."""
    await svc.set_digest_schedule(MODERATOR, review=False)  # a club with automatic digests
    for i in range(5):
        await svc.give(in_server(50 + i), GUILD, text=f"weekly {i}")
    assert svc.scheduler.pending(DIGEST_KIND)
    await clock.advance(days=7)
    digests = [c for c in port.of("send_message") if c.message.embeds and "digest" in (c.message.embeds[0].title or "")]
    assert len(digests) == 1
    assert svc.scheduler.pending(DIGEST_KIND)[0].when > clock.now()


async def test_digest_schedule_change(svc, clock):
    """Changing the schedule re-arms the weekly job; disabling disarms it."""
    schedule, nxt = await svc.set_digest_schedule(MODERATOR, weekday=4, hour=17)
    assert schedule.weekday == 4 and nxt.weekday() == 4 and nxt.hour == 16  # 17:00 Paris = 16:00 UTC
    _, nxt = await svc.set_digest_schedule(MODERATOR, enabled=False)
    assert nxt is None and not svc.scheduler.pending(DIGEST_KIND)


async def test_export_has_no_identity_and_is_formula_safe(svc, port):
    """The CSV has week and answers only, shuffled, with formula cells neutralised; refused below k."""
    cid = (await _campaign(svc, port, release="live")).campaign_id
    with pytest.raises(Conflict):
        await svc.export_answers(MODERATOR, cid)
    for user in (11, 12, 13, 14, 15):
        await svc.submit_answer(dm(user), cid, ["5", f"=HYPERLINK(\"x\") {user}"])
    exported = await svc.export_answers(MODERATOR, cid)
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Week" and len(rows) == 6
    assert all(r[2].startswith("'=") for r in rows[1:])
    body = exported.data.decode("utf-8-sig")
    assert all(str(m) not in body.replace(" 11", "").replace(" 12", "").replace(" 13", "").replace(" 14", "").replace(" 15", "") for m in (11, 12, 13, 14, 15))


async def test_export_spontaneous(svc):
    """The spontaneous export lists category, rating and text."""
    for i in range(5):
        await svc.give(in_server(50 + i), GUILD, text=f"+cmd {i}", category="question", rating=i)
    exported = await svc.export_answers(MODERATOR, None)
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["Week", "Category", "Rating (0-10)", "Text"] and all(r[3].startswith("'+") for r in rows[1:])
    assert {r[1] for r in rows[1:]} == {"Question"}


async def test_export_of_a_french_club(svc):
    """A French club's spontaneous export: ';', French headers and categories, formulas neutralised; Excel alike."""
    from openpyxl import load_workbook

    await svc.ctx.club.update(MODERATOR, locale="fr")
    for i in range(5):
        await svc.give(in_server(70 + i), GUILD, text=f"=cmd {i}; suite", category="pain_point", rating=i)
    data = (await svc.export_answers(MODERATOR, None)).data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Semaine", "Catégorie", "Note (0-10)", "Texte"] and all(len(r) == 4 for r in rows)
    assert {r[1] for r in rows[1:]} == {"Irritant"} and all(r[3].startswith("'=cmd") for r in rows[1:])
    book = load_workbook(io.BytesIO((await svc.export_answers(MODERATOR, None, "xlsx")).data))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values[0] == rows[0] and sorted(v[2] for v in values[1:]) == [0, 1, 2, 3, 4]


async def test_pain_points_view(svc):
    """Pain points over time: counts by week, chart, texts once the window holds k answers."""
    for i in range(5):
        await svc.give(in_server(50 + i), GUILD, text=f"hurts {i}", category="pain_point")
    view = await svc.pain_points(MODERATOR, weeks=4)
    assert view.counts["pain_point"][-1] == 5 and view.visible
    message = await svc.pain_points_message(moderator(GUILD, MOD, locale="en"), weeks=4)
    assert message.files[0].data[:4] == b"\x89PNG" and "hurts 3" in str(message)
    with pytest.raises(InvalidInput):
        await svc.pain_points(MODERATOR, weeks=0)


async def test_start_survey_for_meeting_attendees(svc, ctx, port, clock):
    """A survey reaches only its recipients, is not announced, and refuses others."""
    port.closed_dms = {23}
    result = await svc.start_survey(
        SURVEYS, "After the December meeting", ["0-10: Useful?", "What next?"], [21, 22, 23, 22],
        clock.now() + timedelta(days=5), source="meeting:3",
    )
    assert (result.invited, result.sent, result.failed, result.announced) == (3, 2, 1, False)
    assert not port.of("send_message")
    await svc.submit_answer(dm(23), result.campaign_id, ["8", ""])  # DMs closed but invited
    with pytest.raises(Forbidden):
        await svc.open_form(member(GUILD, 11, role_ids=(ROLE,)), result.campaign_id)
    with pytest.raises(Forbidden):
        await svc.submit_answer(member(GUILD, 11, role_ids=(ROLE,)), result.campaign_id, ["5", ""])
    with pytest.raises(InvalidInput):
        await svc.start_survey(SURVEYS, "x", ["q"], [1], clock.now() - timedelta(minutes=1))


async def test_autocomplete_titles_only(svc, port):
    """Autocomplete offers campaign titles with status, never answers."""
    cid = (await _campaign(svc, port)).campaign_id
    await svc.submit_answer(dm(11), cid, ["5", "hidden words"])
    choices = await svc.campaign_choices(MODERATOR, "q4")
    assert choices == [(f"#{cid} · Q4 survey · open", cid)]
    assert await svc.campaign_choices(MODERATOR, "zzz") == []


async def test_concurrent_answers_group_committed_once_each(svc, ctx, port):
    """Answers submitted at once are all stored once; a member's simultaneous double submit stores one."""
    import asyncio

    cid = (await _campaign(svc, port, members=range(100, 140))).campaign_id
    members = list(range(100, 140)) + [100, 101]
    results = await asyncio.gather(
        *(svc.submit_answer(dm(m), cid, ["7", f"t{m}"]) for m in members), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 2 and all(r.key == "feedback.error.already_answered" for r in refused)
    assert await cohorts.count_waiting(ctx.db, GUILD, cid) == 40
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_dedupe") == 40


async def test_moderator_use_cases_refuse_members_and_surveys_refuse_people(svc, port):
    """Moderator use-cases refuse a plain member; only Cercle starts a survey; members answer from a DM."""
    cid = (await _campaign(svc, port)).campaign_id
    plain = in_server(11)
    for call in (
        svc.close_campaign(plain, cid),
        svc.list_campaigns(plain),
        svc.report_message(plain, cid),
        svc.export_answers(plain, None),
        svc.digest(plain),
        svc.set_digest_schedule(plain, enabled=False),
        svc.campaign_choices(plain, ""),
        svc.start_campaign(plain, title="t", closes="in 2 days", questions=["a"]),
    ):
        with pytest.raises(Forbidden) as err:
            await call
        assert err.value.key == "error.not_moderator"
    with pytest.raises(Forbidden):
        await svc.start_survey(MODERATOR, "x", ["q"], [1], svc.clock.now() + timedelta(days=1))
    code = await svc.submit_answer(dm(11), cid, ["7", ""])
    assert (await svc.withdraw(dm(11), code)).campaign_title == "Q4 survey"
    assert await svc.give(dm(11), GUILD, text="from a DM")


async def test_a_draft_launches_only_in_its_own_guild(svc, port):
    """A moderator of another guild cannot launch a draft made in this one."""
    port.members[(GUILD, None)] = [11]
    draft = await svc.draft_campaign(MODERATOR, title="T", closes="in 2 days")
    with pytest.raises(Forbidden):
        await svc.launch_campaign(moderator(GUILD + 1, MOD), draft, ["a"])
    result = await svc.launch_campaign(MODERATOR, draft, ["a"])
    assert result.sent == 1


async def test_creator_is_the_moderator_and_none_for_surveys(svc, ctx, port, clock):
    """A campaign records the moderator who started it; a survey started by Cercle records no one."""
    cid = (await _campaign(svc, port)).campaign_id
    survey = await svc.start_survey(SURVEYS, "S", ["q"], [21], clock.now() + timedelta(days=1))
    assert (await store.get_campaign(ctx.db, cid)).created_by == MOD
    assert (await store.get_campaign(ctx.db, survey.campaign_id)).created_by is None


def test_component_ids_keep_their_posted_strings():
    """The ids of posted buttons and of the modals never change; clicks read them back."""
    from bot.feedback import components

    assert components.ANSWER.build(campaign=7) == "cercle:feedback:answer:7"
    assert components.REPLACE.build(campaign=7) == "cercle:feedback:replace:7"
    assert components.GIVE.build(guild=12, category="pain_point") == "cercle:feedback:give:12:pain_point"
    assert components.GIVE_MODAL.build(guild=12) == "cercle:feedback:m:give:12"
    assert components.ANSWER_MODAL.build(kind="replace", campaign=7) == "cercle:feedback:m:replace:7"
    assert components.START_MODAL.build() == "cercle:feedback:m:start"
    fields = components.GIVE.parse("cercle:feedback:give:12:feature_request")
    assert fields is not None and (fields.integer("guild"), fields.text("category")) == (12, "feature_request")


async def test_nps_only_for_the_recommend_question(svc, port):
    """Of two 0–10 questions only "would you recommend" gets an NPS in the report; the chart is drawn once released."""
    port.members[(GUILD, ROLE)] = [11, 12, 13, 14, 15]
    started = await svc.start_campaign(
        MODERATOR, title="Q4 survey", closes="in 7 days", release="live", audience_role_id=ROLE,
        questions=["0-10: Would you recommend the software to a peer?", "0-10: How clear is the documentation?"],
    )
    for n, user in enumerate((11, 12, 13, 14, 15)):
        await svc.submit_answer(dm(user), started.campaign_id, [str(6 + n), str(3 + n)])
    for locale, word in (("en", "average"), ("fr", "moyenne")):
        shown = await svc.report_message(moderator(GUILD, MOD, locale=locale), started.campaign_id)
        recommend, clarity = shown.embeds[0].fields[:2]
        assert "NPS" in recommend.value and word in recommend.value
        assert "NPS" not in clarity.value and word in clarity.value
        assert shown.files[0].data[:4] == b"\x89PNG"
