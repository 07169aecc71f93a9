"""Pure rules of anonymous feedback."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bot.errors import InvalidInput
from bot.feedback import rules
from bot.feedback.rules import AnswerValue, Question, SpontaneousItem
from bot.recurrence import next_weekly


def test_questions_rating_prefix_and_text():
    """A question starting with `0-10:` is a rating (prefix removed); others are free text."""
    qs = rules.parse_questions(["0-10: How likely are you to recommend it?", " What hurts most? ", "", None])
    assert [(q.position, q.kind, q.prompt) for q in qs] == [
        (1, "rating", "How likely are you to recommend it?"),
        (2, "text", "What hurts most?"),
    ]


def test_questions_limits_name_the_field():
    """No question, five questions, or a 101-char question are refused naming the field."""
    with pytest.raises(InvalidInput) as err:
        rules.parse_questions(["", None])
    assert err.value.params["field"] == "feedback_questions"
    with pytest.raises(InvalidInput) as err:
        rules.parse_questions(["a", "b", "c", "d", "e"])
    assert err.value.key == "feedback.error.too_many_questions"
    with pytest.raises(InvalidInput) as err:
        rules.parse_questions(["ok", "x" * 101])
    assert err.value.params == {"field": "feedback_question_2", "limit": 100, "length": 101}


@pytest.mark.parametrize("raw,expected", [("7", 7), (" 10 ", 10), ("0", 0), ("8/10", 8), ("", None), (None, None), (3, 3)])
def test_parse_rating_accepts(raw, expected):
    """Ratings 0–10 are read from text; empty is None."""
    assert rules.parse_rating(raw, field="feedback_rating") == expected


@pytest.mark.parametrize("raw,key", [("11", "error.out_of_range"), ("-1", "error.out_of_range"), ("great", "error.not_number"), ("7.5", "error.not_number")])
def test_parse_rating_refuses_without_echo(raw, key):
    """Bad ratings name the field and never echo the typed value."""
    with pytest.raises(InvalidInput) as err:
        rules.parse_rating(raw, field="feedback_rating")
    assert err.value.key == key
    assert raw not in str(err.value.params.values())


def test_validate_answer_requires_one_value():
    """An entirely empty form is refused; a partly filled one is accepted."""
    qs = (Question(1, "rating", "r"), Question(2, "text", "t"))
    with pytest.raises(InvalidInput):
        rules.validate_answer(qs, ["", "  "])
    assert rules.validate_answer(qs, ["", "hello"]) == (AnswerValue(1, None, None), AnswerValue(2, None, "hello"))


def test_text_limit():
    """Free text over 2000 characters is refused with the limit."""
    with pytest.raises(InvalidInput) as err:
        rules.validate_text("x" * 2001, field="feedback_text", required=True)
    assert err.value.params["limit"] == 2000


def test_category_default_and_unknown():
    """No category means `other`; an unknown one is refused."""
    assert rules.validate_category(None) == "other"
    assert rules.validate_category("Pain_Point") == "pain_point"
    with pytest.raises(InvalidInput):
        rules.validate_category("rant")


def test_nps_and_mean():
    """NPS is %promoters (9–10) minus %detractors (0–6)."""
    assert rules.nps([10, 9, 8, 7, 0]) == 20
    assert rules.nps([]) is None
    assert rules.mean([2, 4]) == 3
    assert rules.distribution([0, 10, 10]) == [1] + [0] * 9 + [2]


def _answers(n):
    return [(AnswerValue(1, rating=i % 11), AnswerValue(2, body=f"text {i}")) for i in range(n)]


def test_campaign_report_below_threshold_shows_only_count():
    """Answers stored before cohorts (legacy): with k−1 of them the report carries the count
    and nothing else. Released cohorts are shown whole, whatever k is now (docs/anonymity.md, "Cohorts":
    changing k never hides what was released): 4 left of a cohort of 5 after a withdrawal."""
    qs = (Question(1, "rating", "r"), Question(2, "text", "t"))
    report = rules.campaign_report(
        campaign_id=1, title="T", status="open", questions=qs, answers=_answers(4), invited=10, threshold=5, legacy=4
    )
    assert not report.visible and report.count == 4 and report.questions == ()
    assert report.rate == 0.4
    released = rules.campaign_report(
        campaign_id=1, title="T", status="open", questions=qs, answers=_answers(4), invited=10, threshold=5
    )
    assert released.visible and released.questions[1].answered == 4
    nothing = rules.campaign_report(campaign_id=1, title="T", status="open", questions=qs, answers=[], invited=10,
                                    threshold=5, waiting=3)
    assert not nothing.visible and nothing.rate == 0.3


def test_campaign_report_at_threshold_shuffles_texts():
    """With k answers the texts are all there, in a shuffled order."""
    qs = (Question(1, "rating", "r"), Question(2, "text", "t"))
    report = rules.campaign_report(
        campaign_id=1, title="T", status="open", questions=qs, answers=_answers(30), invited=30, threshold=5,
        rng=random.Random(1),
    )
    assert report.visible
    texts = report.questions[1].texts
    assert sorted(texts) == sorted(f"text {i}" for i in range(30))
    assert list(texts) != [f"text {i}" for i in range(30)]
    assert report.questions[0].answered == 30


def test_threshold_never_below_three():
    """A threshold configured below 3 still hides two answers."""
    report = rules.continuous_report([SpontaneousItem("other", None, "a", "2026-W49", legacy=True)] * 2, threshold=1)
    assert not report.visible


def test_continuous_report_groups_by_category():
    """Above the threshold each category has its count, mean rating and texts."""
    items = [SpontaneousItem("pain_point", 2, f"p{i}", "2026-W49") for i in range(4)] + [
        SpontaneousItem("praise", None, "yay", "2026-W49")
    ]
    report = rules.continuous_report(items, threshold=5)
    pain = next(c for c in report.categories if c.category == "pain_point")
    assert report.visible and pain.count == 4 and pain.mean_rating == 2 and len(pain.texts) == 4


def test_pain_points_by_week():
    """Counts land in their ISO week once the window holds k answers."""
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 2026-W49
    items = [SpontaneousItem("pain_point", None, "x", "2026-W49"), SpontaneousItem("other", None, "y", "2026-W48"),
             SpontaneousItem("other", None, "old", "2025-W01")]
    items += [SpontaneousItem("praise", None, "z", "2026-W46")] * 3
    view = rules.pain_points(items, now, 4, threshold=5)
    assert view.weeks == ("2026-W46", "2026-W47", "2026-W48", "2026-W49")
    assert view.counts["pain_point"] == (0, 0, 0, 1) and view.counts["other"] == (0, 0, 1, 0)
    assert view.total == 5 and view.visible and view.texts == ("x",) and view.pain_total == 1


def test_pain_points_below_threshold_only_total():
    """Legacy answers (before cohorts) below the threshold: only the window's total is known —
    no per-category or per-week count, no text."""
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 2026-W49
    items = [SpontaneousItem("pain_point", None, "x", "2026-W49", legacy=True),
             SpontaneousItem("other", None, "y", "2026-W48", legacy=True),
             SpontaneousItem("other", None, "old", "2025-W01", legacy=True)]
    view = rules.pain_points(items, now, 4, threshold=5)
    assert view.weeks == ("2026-W46", "2026-W47", "2026-W48", "2026-W49")
    assert view.counts == {} and view.pain_total == 0
    assert view.total == 2 and not view.visible and view.texts == ()


def test_next_weekly_in_club_zone():
    """Monday 09:00 Paris is 08:00 UTC in winter; strictly after now."""
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert next_weekly(0, 9, 0, "Europe/Paris", now) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_weekly(0, 9, 0, "Europe/Paris", datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) == datetime(
        2026, 12, 7, 8, 0, tzinfo=UTC
    )


def test_schedule_validation():
    """Weekday 0–6 and hour 0–23 are enforced naming the field."""
    with pytest.raises(InvalidInput) as err:
        rules.validate_schedule(7, None, rules.DigestSchedule(), None)
    assert err.value.params["field"] == "feedback_weekday"
    with pytest.raises(InvalidInput):
        rules.validate_schedule(None, 24, rules.DigestSchedule(), None)
    assert rules.validate_schedule(4, 17, rules.DigestSchedule(), False) == rules.DigestSchedule(False, 4, 17)


def test_chunk_entries_respects_budget():
    """Entries are grouped under the embed budget and the per-message count."""
    groups = rules.chunk_entries(["x" * 1000] * 12, budget=5500, per_message=20)
    assert [len(g) for g in groups] == [5, 5, 2]
    assert [len(g) for g in rules.chunk_entries(["x"] * 45, per_message=20)] == [20, 20, 5]


def test_effective_threshold_is_the_highest_promise():
    """The club's current k, raised to the highest snapshot; unknown snapshots are ignored."""
    assert rules.effective_threshold(3, (5, None, 4)) == 5
    assert rules.effective_threshold(6, (5, None)) == 6
    assert rules.effective_threshold(4) == 4


def test_spontaneous_items_given_under_a_higher_threshold_stay_hidden():
    """Four legacy items given under k = 5 stay hidden in the report and pain points after k
    was lowered to 3 (answers given since wait for a cohort of the k they were promised)."""
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    items = [SpontaneousItem("pain_point", None, f"t{i}", "2026-W49", 5, legacy=True) for i in range(4)]
    assert not rules.continuous_report(items, threshold=3).visible
    assert rules.continuous_report(items, threshold=3).threshold == 5
    assert not rules.pain_points(items, now, 4, threshold=3).visible
    later = SpontaneousItem("other", None, "x", "2026-W49", 3, legacy=True)
    assert not rules.continuous_report(items[:3] + [later], 3).visible
    assert rules.continuous_report(items + [later], 3).visible


def test_digest_plan_applies_the_highest_snapshot():
    """A digest waits for k answers, k being the club's raised by any pending answer's own; floored at 3."""
    assert rules.digest_plan(5, [None] * 5).ready
    assert not rules.digest_plan(5, [None] * 4).ready
    plan = rules.digest_plan(3, [3, 3, 7, 3, 3])
    assert (plan.pending, plan.threshold, plan.ready) == (5, 7, False)
    assert not rules.digest_plan(1, [None, None]).ready and rules.digest_plan(1, [None] * 3).ready
