"""The anonymity policy of bot/anonymity.py as one table (docs/anonymity.md, "The anonymity threshold"):
the k that applies, when waiting answers are released as a cohort, and what a view of
released answers shows. Polls, campaigns, spontaneous feedback, pain points, surveys,
digests and exports all ask these functions."""

from __future__ import annotations

import pytest

from bot.anonymity import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    cohort_decision,
    effective_threshold,
    meets_threshold,
    readable,
)

# current k, snapshots promised, waiting, final release?, effective k, decision
COHORTS = [
    (5, (), 0, False, 5, "wait"),
    (5, (), 4, False, 5, "wait"),
    (5, (), 5, False, 5, "release"),
    (5, (), 4, True, 5, "discard"),  # a remainder below k at the close is destroyed unread
    (5, (), 0, True, 5, "wait"),
    (3, (5, 5, 3), 4, False, 5, "wait"),  # k lowered to 3: what was promised 5 waits for 5
    (3, (5, 5, 3, 3, 3), 5, False, 5, "release"),
    (7, (5,), 6, False, 7, "wait"),  # k raised: what waits needs the higher k
    (1, (), 2, False, 3, "wait"),  # never below 3
    (2, (None, None, None), 3, False, 3, "release"),  # unknown snapshots count for nothing
    (MAX_THRESHOLD, (), MAX_THRESHOLD, False, MAX_THRESHOLD, "release"),
]


@pytest.mark.parametrize(("current", "snapshots", "waiting", "final", "k", "decision"), COHORTS)
def test_cohort_release_rule(current, snapshots, waiting, final, k, decision):
    """A cohort is released only with at least the k each of its answers was promised and
    the club's current k; at the final release a smaller remainder is discarded."""
    assert effective_threshold(current, snapshots) == k
    assert cohort_decision(waiting, current, snapshots, final=final) == decision


# released answers in the view, of which legacy (before cohorts), k, shown?
VIEWS = [
    (0, 0, 5, False),  # nothing released yet: only counts are said
    (1, 0, 5, True),  # what is left of a cohort after withdrawals stays readable (it was)
    (5, 0, 50, True),  # raising k never hides what was released
    (4, 4, 5, False),  # legacy answers still need k in the view
    (5, 2, 5, True),
]


@pytest.mark.parametrize(("count", "legacy", "k", "shown"), VIEWS)
def test_what_a_view_of_released_answers_shows(count, legacy, k, shown):
    """Views show released cohorts whole; answers from before cohorts need k in the view."""
    assert readable(count, legacy, k) is shown


def test_vote_counts_need_k_voters_and_the_floor_is_three():
    """Polls' counts (sealed at the close) follow the same k, never below 3."""
    assert not meets_threshold(2, 1) and meets_threshold(3, 1) and MIN_THRESHOLD == 3
    assert not meets_threshold(4, 5) and meets_threshold(5, 5)
