"""A moderator attacking anonymity as docs/anonymity.md ("Cohorts") answers them, through tests/fakediscord: reports
re-read after every answer, k − 1 padding answers, withdraw-and-compare, replace-and-compare,
and the database, its WAL and the secret in hand after a close. Each attack must isolate
nothing: two readings differ by nothing or by at least k answers. And what must still work:
replacing, withdrawing, a remainder below k announced and never shown.

k is the club's default, 5. Every answer carries a unique marker (``ANS07``) so a reading
says exactly which answers it shows.
"""

from __future__ import annotations

import csv
import io
import re

from bot.anonymity import coarse_week, dedupe_key
from bot.feedback.core import dedupe_scope, invite_scope, voice_scope
from tests.anonymity.conftest import people
from tests.e2e.harness import SECRET
from tests.e2e.test_feedback import answer, give, last_dm, receipt_of, start_campaign

K = 5
MARK = re.compile(r"ANS\d\d")


def club_of(harness, size: int):
    """``size`` of the club's extra members (member role, DMs open: tests/anonymity/conftest.py)."""
    found = people(harness)
    assert size <= len(found)
    return found[:size]


async def reading(harness, **options) -> tuple[set[str], str]:
    """What the moderator reads now: every marker in ``/campaign report`` and its export
    (and, for spontaneous feedback, pain points), with the report's text."""
    c, fake = harness.club, harness.fake
    report = await fake.slash(c.admin, "campaign report", guild=c.guild, **options)
    seen = set(MARK.findall(report.text()))
    for index in range(len(report.files)):
        seen |= set(MARK.findall(report.file_bytes(index).decode("utf-8", "replace")))
    export = await fake.slash(c.admin, "campaign export", guild=c.guild, **options)
    if export.files:
        seen |= set(MARK.findall(export.file_bytes(0).decode("utf-8-sig")))
    if "campaign" not in options:
        pains = await fake.slash(c.admin, "campaign painpoints", guild=c.guild)
        seen |= set(MARK.findall(pains.text()))
    return seen, report.text()


def assert_no_isolation(before: set[str], after: set[str], step: object) -> None:
    """Between two readings nothing changes, or at least k answers appear together."""
    new = after - before
    assert not new or len(new) >= K, f"step {step}: {sorted(new)} readable on their own"


async def test_rereading_a_live_campaign_after_every_answer_isolates_nobody(harness):
    """2k answers to a live campaign, the report and the export re-read after each: the
    answers become readable k at a time, never one by one (text, rating, week)."""
    c = harness.club
    await harness.configure_defaults()
    people = club_of(harness, 2 * K)
    await start_campaign(harness, audience=c.member_role, release="live")
    before: set[str] = set()
    averages = []
    for n, user in enumerate(people):
        await answer(harness, user, last_dm(harness, user), {"q1": str(n % 11), "q2": f"ANS{n:02d} my view"})
        after, text = await reading(harness, campaign=1)
        assert_no_isolation(before, after, n)
        averages.append(re.search(r"average \*\*([^*]+)\*\*", text).group(1) if "average" in text else None)
        before = after
    assert len(before) == 2 * K
    assert len(set(averages[:K - 1])) == 1 and len(set(averages[K - 1:2 * K - 1])) == 1  # moves only by cohorts
    export = await harness.fake.slash(c.admin, "campaign export", guild=c.guild, campaign=1)
    weeks = {row[0] for row in list(csv.reader(io.StringIO(export.file_bytes(0).decode("utf-8-sig"))))[1:]}
    assert weeks == {coarse_week(harness.clock.now())}  # the release's week, nothing finer


async def test_rereading_spontaneous_feedback_after_every_answer_isolates_nobody(harness):
    """Spontaneous feedback re-read (report, pain points, export) after each of 2k answers."""
    await harness.configure_defaults()
    people = club_of(harness, 2 * K)
    before: set[str] = set()
    for n, user in enumerate(people):
        await give(harness, user, f"ANS{n:02d} it hurts", category="pain_point" if n % 2 else "feature_request")
        after, _ = await reading(harness)
        assert_no_isolation(before, after, n)
        before = after
    assert len(before) == 2 * K


async def test_k_minus_one_padding_answers_from_one_account_expose_nobody(harness):
    """A moderator gives k − 1 feedbacks from their own account, then one member gives
    theirs: one voice per member per week, so two answers wait and nothing is readable."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    for n in range(K - 1):
        await give(harness, c.admin, f"ANS{n:02d} padding")
    await give(harness, c.alice, "ANS50 the member's secret")
    seen, text = await reading(harness)
    assert not seen and "⏳ 2 more answer(s) wait for the next release" in text
    digest = await fake.slash(c.admin, "campaign digest", guild=c.guild)
    assert "Not posted" in digest.text() and not fake.messages_in(c.feedback.id)


async def test_withdraw_and_compare_isolates_nothing(harness):
    """After a release, a member withdraws: nothing changes until the next cohort, which
    brings at least k new answers while the withdrawn one leaves."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    people = club_of(harness, 2 * K)
    codes = [receipt_of(await give(harness, user, f"ANS{n:02d} text")) for n, user in enumerate(people[:K])]
    first, _ = await reading(harness)
    assert len(first) == K
    withdrawn = await fake.slash(people[0], "feedback withdraw", guild=c.guild, receipt=codes[0])
    assert "next release" in withdrawn.text()
    same, same_text = await reading(harness)
    assert same == first and "ANS00" in same_text
    for n, user in enumerate(people[K:], start=K):
        await give(harness, user, f"ANS{n:02d} text")
        after, _ = await reading(harness)
        assert after in (first, (first - {"ANS00"}) | {f"ANS{i:02d}" for i in range(K, 2 * K)}), n


async def test_replace_and_compare_isolates_nothing(harness):
    """A live campaign's released answer replaced with its receipt: the report keeps the old
    one until the next cohort, where the new version is one among at least k."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    people = club_of(harness, 2 * K)
    await start_campaign(harness, audience=c.member_role, release="live")
    codes = []
    for n, user in enumerate(people[:K]):
        codes.append(receipt_of(await answer(harness, user, last_dm(harness, user), {"q1": "5", "q2": f"ANS{n:02d}"})))
    first, _ = await reading(harness, campaign=1)
    again = await fake.click(people[0], last_dm(harness, people[0]), label="nonym")
    form = await fake.click(people[0], again.message, label="Replace")
    replaced = await fake.submit_modal(people[0], form, {"receipt": codes[0], "q1": "0", "q2": "ANS99 changed"})
    assert "replaced" in replaced.text()
    assert (await reading(harness, campaign=1))[0] == first
    before = first
    for n, user in enumerate(people[K:2 * K - 1], start=K):
        await answer(harness, user, last_dm(harness, user), {"q1": "5", "q2": f"ANS{n:02d}"})
        after, _ = await reading(harness, campaign=1)
        assert_no_isolation(before, after, n)
        before = after
    assert "ANS99" in before and "ANS00" not in before


async def test_after_the_close_database_wal_and_secret_name_no_author(harness, e2e_settings):
    """A closed campaign: with the database file, its WAL and the secret, computing every
    member's keys for the campaign finds nothing — the keys were destroyed at the close —
    and no answer is waiting anywhere."""
    c = harness.club
    await harness.configure_defaults()
    people = club_of(harness, K + 1)
    await start_campaign(harness, audience=c.member_role)
    for n, user in enumerate(people):
        await answer(harness, user, last_dm(harness, user), {"q1": "7", "q2": f"ANS{n:02d} sealed"})
    closed = await harness.fake.slash(c.admin, "campaign close", guild=c.guild, campaign=1)
    assert "closed" in closed.text()
    seen, _ = await reading(harness, campaign=1)
    assert len(seen) == K + 1  # released all at once, at the close
    db = harness.bot.ctx.db
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_pending") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_dedupe WHERE campaign_id = 1") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_invites WHERE campaign_id = 1") == 0
    path = e2e_settings.database_path
    wal = path.with_name(path.name + "-wal")
    blobs = {"database": path.read_bytes(), "WAL": wal.read_bytes() if wal.exists() else b""}
    everyone = [*c.members, *people]
    keys = {dedupe_key(SECRET, scope, u.id) for u in everyone for scope in (dedupe_scope(1), invite_scope(1))}
    for name, blob in blobs.items():
        found = [k for k in keys if k.encode() in blob]
        assert not found, f"{len(found)} member keys of the closed campaign in the {name}"
    answers = [dict(r) for r in await db.fetchall("SELECT * FROM feedback_answers WHERE campaign_id = 1")]
    assert len({a["cohort_id"] for a in answers}) == 1 and all(a["voice"] is None for a in answers)


async def test_what_still_works(harness):
    """A second spontaneous answer of the week replaces the first; a waiting answer is
    withdrawn at once; a remainder below k at the close is announced and never shown; an
    answer of a closed campaign can no longer be withdrawn, and the member is told why."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    first = receipt_of(await give(harness, c.alice, "ANS01 first thought"))
    second = receipt_of(await give(harness, c.alice, "ANS02 better thought"))
    _, text = await reading(harness)
    assert "⏳ 1 more answer(s) wait" in text
    gone = await fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=first)
    assert "No answer matches" in gone.text()  # replaced: its receipt died with it
    deleted = await fake.slash(c.alice, "feedback withdraw", guild=c.guild, receipt=second)
    assert "was deleted" in deleted.text()

    people = club_of(harness, K - 2)
    await start_campaign(harness, audience=c.member_role)
    codes = []
    for n, user in enumerate(people):
        codes.append(receipt_of(await answer(harness, user, last_dm(harness, user), {"q1": "3", "q2": f"ANS1{n}"})))
    await fake.slash(c.admin, "campaign close", guild=c.guild, campaign=1)
    seen, text = await reading(harness, campaign=1)
    assert not seen and f"🔒 {K - 2} answer(s) were fewer than {K} at the close: destroyed unread." in text
    late = await fake.slash(people[0], "feedback withdraw", guild=c.guild, receipt=codes[0])
    assert "No answer matches" in late.text()  # destroyed with the remainder
    french = await fake.slash(c.admin, "campaign report", guild=c.guild, campaign=1, locale="fr")
    assert f"{K - 2}\u00a0réponse(s), moins de {K} à la clôture\u202f: détruites sans avoir été lues." in french.text()


async def test_an_answer_of_a_closed_campaign_cannot_be_withdrawn_alone(harness):
    """Released together at the close, an answer leaving afterwards would be read alone."""
    c, fake = harness.club, harness.fake
    await harness.configure_defaults()
    people = club_of(harness, K)
    await start_campaign(harness, audience=c.member_role)
    codes = [receipt_of(await answer(harness, u, last_dm(harness, u), {"q1": "3", "q2": f"ANS{n:02d}"}))
             for n, u in enumerate(people)]
    await fake.slash(c.admin, "campaign close", guild=c.guild, campaign=1)
    refused = await fake.slash(people[0], "feedback withdraw", guild=c.guild, receipt=codes[0])
    assert "can no longer be withdrawn" in refused.text()
    seen, _ = await reading(harness, campaign=1)
    assert len(seen) == K


def test_the_spontaneous_voice_scope_is_weekly():
    """One voice per member per ISO week and guild: the key's scope names both."""
    assert voice_scope(7, "2026-W49") == "feedback:voice:7:2026-W49" != voice_scope(7, "2026-W50")
