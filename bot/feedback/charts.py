"""PNG charts of anonymous aggregates, drawn with :mod:`bot.charts` (run them with
:func:`bot.charts.draw`). They only ever receive counts and the moderators' own words
(question texts, labels), never an answer's text, never ids.

- :func:`rating_distributions`: one bar chart per 0–10 question. Only the Net Promoter
  question ("would you recommend…", :attr:`bot.feedback.rules.Question.is_nps`) gets the
  NPS colours (detractors 0–6, passives 7–8, promoters 9–10) with their legend and its
  NPS figure; other 0–10 questions get plain bars.
- :func:`weekly_categories`: feedback per ISO week, stacked by category, the weeks named
  as the reader names them (``sem. 47``, ``W47``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import charts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_COLORS = ("#d9534f", "#5b8def", "#5cb85c", "#f0ad4e", "#999999")
PLAIN = "#5b8def"
NPS_COLORS = ("#d9534f", "#f0ad4e", "#5cb85c")
"""Detractors (0–6), passives (7–8), promoters (9–10)."""
TITLE_CHARS = 70


@dataclass(frozen=True)
class RatingChart:
    """One 0–10 question: its ``title`` (the question, whole), its 11 ``counts`` (ratings
    0..10), a ``subtitle`` already worded (answers, average) and, for the NPS question
    only, its ``nps`` figure already worded (``"NPS +23"``; ``None``: plain colours, no figure)."""

    title: str
    counts: Sequence[int]
    subtitle: str = ""
    nps: str | None = None


@dataclass(frozen=True)
class RatingLabels:
    """The words of the rating chart in the reader's language: the y axis (``answers``),
    and the NPS legend (``detractors``, ``passives``, ``promoters``)."""

    answers: str
    detractors: str
    passives: str
    promoters: str


def rating_figure(questions: Sequence[RatingChart], labels: RatingLabels) -> Figure:
    """The rating charts, stacked vertically, as a figure not yet laid out.
    Raises ``ValueError`` when ``questions`` is empty or a question has not 11 counts."""
    if not questions or any(len(q.counts) != 11 for q in questions):
        raise ValueError("at least one question, 11 counts each")
    titles = [charts.wrap_title(q.title, TITLE_CHARS, max_lines=2) for q in questions]
    heights = [2.3 + 0.22 * title.count("\n") + (0.2 if q.subtitle else 0) for q, title in zip(questions, titles, strict=True)]
    fig = charts.figure(8, sum(heights))
    axes = fig.subplots(len(questions), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, question, title in zip(axes[:, 0], questions, titles, strict=True):
        _rating_axes(ax, question, title, labels)
    return fig


def _rating_axes(ax: Axes, question: RatingChart, title: str, labels: RatingLabels) -> None:
    """One question's bars, title, subtitle and, for the NPS question, legend and figure."""
    from matplotlib.patches import Patch  # loaded by charts.figure

    colors = [NPS_COLORS[0 if i <= 6 else 1 if i <= 8 else 2] for i in range(11)] if question.nps else [PLAIN] * 11
    ax.bar(range(11), list(question.counts), color=colors)
    ax.set_xticks(range(11))
    ax.set_ylim(0, max([*question.counts, 1]) * 1.2)
    ax.set_ylabel(labels.answers)
    ax.spines[["top", "right"]].set_visible(False)
    charts.integer_ticks(ax.yaxis)
    heading = title + ("\n" + question.subtitle if question.subtitle else "")
    charts.literal(ax.set_title(heading, fontsize=10, loc="left"))
    if question.nps is not None:
        names = (labels.detractors, labels.passives, labels.promoters)
        handles = [Patch(color=c, label=n) for c, n in zip(NPS_COLORS, names, strict=True)]
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.text(1.01, 0.0, question.nps, transform=ax.transAxes, fontsize=11, fontweight="bold", va="bottom")


def rating_distributions(questions: Sequence[RatingChart], labels: RatingLabels) -> bytes:
    """PNG bytes of :func:`rating_figure`."""
    return charts.png(rating_figure(questions, labels))


def weekly_figure(
    weeks: Sequence[str], counts: Mapping[str, Sequence[int]], labels: Mapping[str, str], title: str, locale: str
) -> Figure:
    """Stacked bars of feedback per ISO week (``YYYY-Www``), one colour per category
    (``counts[category][i]`` for ``weeks[i]``; ``labels`` names the categories), as a
    figure not yet laid out; week labels in ``locale``."""
    fig = charts.figure(8, 4)
    ax = fig.subplots()
    bottom = [0] * len(weeks)
    for color, (category, values) in zip(_COLORS * 2, counts.items(), strict=False):
        ax.bar(range(len(weeks)), list(values), bottom=bottom, color=color, label=labels.get(category, category))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(weeks)))
    names, rotation = charts.sparse_labels([charts.week_label(w, locale) for w in weeks])
    ax.set_xticklabels(names, rotation=rotation, ha="right" if rotation == 45 else "center", fontsize=8)
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    charts.literal(ax.set_title(charts.wrap_title(title, TITLE_CHARS, max_lines=2), fontsize=10))
    charts.integer_ticks(ax.yaxis)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def weekly_categories(
    weeks: Sequence[str], counts: Mapping[str, Sequence[int]], labels: Mapping[str, str], title: str, locale: str = "en"
) -> bytes:
    """PNG bytes of :func:`weekly_figure`."""
    return charts.png(weekly_figure(weeks, counts, labels, title, locale))
