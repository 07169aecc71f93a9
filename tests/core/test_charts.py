"""Charts read at a glance: every text inside the image and none over another.

Each chart is drawn in French and English at small, medium and large sizes (2, 10 and 20
long choices for a poll; 1, 2 and 4 questions for a campaign; 2 to 52 weeks or prompts),
then checked with the image's own text layout: matplotlib's renderer gives every text's
box (``Text.get_window_extent``), which must lie inside the figure and overlap no other.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import charts, i18n
from bot.feedback.charts import RatingChart, RatingLabels, rating_figure, weekly_figure
from bot.polls.chart import poll_figure
from bot.prompts.chart import stats_figure

LOCALES = ("fr", "en")
LONG = {
    "fr": "Choix numéro {n} : une fonctionnalité très demandée par les clubs qui utilisent le logiciel au quotidien",
    "en": "Choice number {n}: a feature that many clubs using the software every day have asked for again",
}
QUESTION = {
    "fr": "Quelle fonctionnalité devrions-nous prioriser pour la prochaine version majeure, sachant que le budget "
          "est limité et que les clubs ont des besoins très différents\u202f?",
    "en": "Which feature should we put first in the next major version, knowing that the budget is limited and "
          "that the clubs have very different needs?",
}


def texts_of(fig):
    """``(text, box)`` of every visible, non-empty text of the laid-out, drawn figure."""
    from matplotlib.text import Text

    charts.lay_out(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = set()  # tick labels the locator made outside the axes' view: matplotlib skips them
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    found = []
    for artist in fig.findobj(Text):
        if id(artist) in undrawn or not artist.get_visible() or not artist.get_text().strip():
            continue
        found.append((artist.get_text(), artist.get_window_extent(renderer)))
    return found


def assert_readable(fig):
    """No text overflows the figure and no two texts overlap."""
    page = fig.bbox
    found = texts_of(fig)
    assert found
    for text, box in found:
        assert box.x0 >= page.x0 - 0.5 and box.x1 <= page.x1 + 0.5, f"{text!r} overflows sideways: {box}"
        assert box.y0 >= page.y0 - 0.5 and box.y1 <= page.y1 + 0.5, f"{text!r} overflows vertically: {box}"
    for (a, box_a), (b, box_b) in itertools.combinations(found, 2):
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{a!r} overlaps {b!r}"


def labels_of(fig):
    """The y tick labels of the figure's first axes, top to bottom."""
    ax = fig.axes[0]
    return [t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda p: -p[0])]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", [2, 10, 20])
def test_poll_chart_fits_and_keeps_choices_apart(locale, n):
    """A poll with n long choices: wrapped title, two-line labels that differ, nothing overflows or overlaps."""
    choices = [LONG[locale].format(n=i) for i in range(1, n + 1)]
    counts = [i % 7 for i in range(n)]
    subtitle = i18n.t(locale, "polls.chart.subtitle_closed", count=12, date=charts.date_label(date(2026, 12, 3), locale))
    fig = poll_figure(QUESTION[locale], choices, counts, voters=12, subtitle=subtitle, locale=locale)
    assert_readable(fig)
    labels = labels_of(fig)
    assert len(set(labels)) == n and all(label.count("\n") <= 1 for label in labels)
    assert all(label.startswith(f"{i}. ") for i, label in enumerate(labels, start=1))
    shown = [t for t, _ in texts_of(fig)]
    assert any("\n" in t and t.replace("\n", " ").startswith(QUESTION[locale][:20]) for t in shown)
    assert subtitle in shown


def test_poll_chart_shows_count_and_percentage_of_voters():
    """A multiple-choice poll: each bar says its count and the share of voters, not of selections."""
    fig = poll_figure("Which tools?", ["Search", "Reports", "Exports"], [4, 3, 1], voters=5, locale="fr")
    shown = [t for t, _ in texts_of(fig)]
    assert "4 · 80\u00a0%" in shown and "3 · 60\u00a0%" in shown and "1 · 20\u00a0%" in shown
    english = [t for t, _ in texts_of(poll_figure("Which tools?", ["Search", "Reports"], [4, 3], voters=5))]
    assert "4 · 80%" in english


def test_wrapped_labels_keep_what_tells_them_apart():
    """Labels too long for two lines keep their start and the words that differ (in the middle or at the end)."""
    middle = [f"Improve the export of {kind} reports so that they open directly in every spreadsheet tool"
              for kind in ("monthly", "quarterly", "yearly")]
    end = [f"A very long feature description that starts the same way and ends with variant {c}" for c in "ABC"]
    for labels in (middle, end):
        wrapped = charts.wrap_labels(labels, 30)
        assert len(set(wrapped)) == 3 and all(len(line) <= 30 for w in wrapped for line in w.split("\n"))
    assert [w.split("\n")[1].endswith(c) for w, c in zip(charts.wrap_labels(end, 30), "ABC", strict=True)] == [True] * 3
    assert charts.wrap_labels(["Yes", "No"], 30) == ["Yes", "No"]


def rating_labels(locale):
    """The rating chart's words from the catalog."""
    return RatingLabels(*(i18n.t(locale, f"feedback.chart.{k}") for k in ("answers", "detractors", "passives", "promoters")))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_rating_chart_fits_and_colours_only_the_nps_question(locale, n):
    """n 0–10 questions of 100 characters: titles wrap without overlapping; only the NPS question gets colours,
    legend and figure."""
    nps = RatingChart("1. " + "Recommanderiez-vous " * 5, [1, 0, 2, 1, 0, 3, 2, 4, 5, 6, 3],
                      i18n.t(locale, "feedback.chart.subtitle", count=27, mean=charts.decimal(6.4, locale)),
                      i18n.t(locale, "feedback.chart.nps", score="-11"))
    plain = [RatingChart(f"{i}. " + "How clear is the documentation " * 3, [0, 1, 1, 2, 3, 4, 5, 3, 2, 1, 1], "x")
             for i in range(2, n + 1)]
    fig = rating_figure([nps, *plain], rating_labels(locale))
    assert_readable(fig)
    first, *others = fig.axes
    assert len({p.get_facecolor() for p in first.patches}) == 3 and first.get_legend() is not None
    assert all(len({p.get_facecolor() for p in ax.patches}) == 1 and ax.get_legend() is None for ax in others)
    shown = [t for t, _ in texts_of(fig)]
    assert shown.count("NPS -11") == 1


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", [2, 12, 52])
def test_weekly_chart_fits_with_week_labels_in_the_readers_convention(locale, n):
    """Feedback per week over n weeks: nothing overflows or overlaps; weeks read "sem. 47" or "W47"."""
    weeks = [f"2026-W{w:02d}" for w in range(1, n + 1)]
    counts = {c: [(i + j) % 4 for i in range(n)] for j, c in enumerate(("pain_point", "feature_request", "praise"))}
    labels = {c: i18n.t(locale, f"feedback.category.{c}") for c in counts}
    fig = weekly_figure(weeks, counts, labels, i18n.t(locale, "feedback.chart.by_week"), locale)
    assert_readable(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks[0] == ("sem.\u00a01" if locale == "fr" else "W1")


@dataclass(frozen=True)
class Post:
    """A posted prompt as the stats chart reads it."""

    posted_at: datetime
    theme: str
    replies: int
    participants: int


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", [2, 10, 20, 52])
def test_prompt_stats_chart_fits_with_days_in_the_readers_convention(locale, n):
    """n weekly prompts: nothing overflows or overlaps; days read 03/12 in French, Dec 3 in English (never dd/mm)."""
    themes = ("features", "practice", "pain_points", "roadmap", "community")
    posts = [Post(datetime(2026, 12, 3, 17, tzinfo=UTC) - timedelta(weeks=n - i), themes[i % 5], i % 6, i % 4)
             for i in range(n)]
    words = {k: i18n.t(locale, f"prompts.stats.{k}") for k in ("chart_title", "replies", "participants")}
    names = {t: t.replace("_", " ").title() for t in themes}
    fig = stats_figure(posts, names, words["chart_title"], words["replies"], words["participants"], locale,
                       "Europe/Paris")
    assert_readable(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    last = posts[-1].posted_at
    if n <= 26:
        assert ticks[-1] == ("26/11" if locale == "fr" else "Nov 26") and last.day == 26
    assert all(("/" in t) == (locale == "fr") for t in ticks)
