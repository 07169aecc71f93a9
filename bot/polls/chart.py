"""The results chart of a poll: a horizontal bar chart as PNG bytes, drawn with
:mod:`bot.charts` (run it with :func:`bot.charts.draw`).

The question is the title, wrapped; the subtitle says how many voted and when the poll
closes or closed; each choice is numbered and wrapped over two lines that keep what tells
it apart from the others; each bar shows its count and the percentage of voters (a
multiple-choice voter counts once per choice, so percentages are of voters, not of
selections, and may add up to more than 100 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import charts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LABEL_CHARS = 34
"""Characters per line of a choice's label (two lines at most)."""
TITLE_CHARS = 60
"""Characters per line of the question (three lines at most)."""
WIDTH = 9.0
"""Inches (900 px at 100 dpi)."""


def poll_figure(
    title: str, choices: Sequence[str], counts: Sequence[int], *, axis_label: str = "votes",
    voters: int | None = None, subtitle: str = "", locale: str = "en",
) -> Figure:
    """The chart as a matplotlib figure, not yet laid out (:func:`render_chart` encodes it).

    ``counts[i]`` votes for ``choices[i]`` (position 1 on top); ``voters`` distinct voters
    (default: the sum of the counts, a single-choice poll); ``subtitle`` already worded in
    the reader's language; ``locale`` formats the percentages.
    """
    voters = sum(counts) if voters is None else voters
    numbered = [f"{i}. {c}" for i, c in enumerate(choices, start=1)]
    labels = charts.wrap_labels(numbered, LABEL_CHARS)
    heading = charts.wrap_title(title, TITLE_CHARS)
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = charts.figure(WIDTH, 1.4 + 0.25 * (heading.count("\n") + 1) + 0.2 * max(lines, 2) + 0.14 * len(labels))
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, list(counts), color="#5865F2", height=0.7)
    ax.set_yticks(positions, labels=labels, fontsize=9)
    charts.literal(*ax.get_yticklabels())
    top = max([*counts, 1])
    ax.set_xlim(0, top * 1.3)
    for rect, count in zip(bars, counts, strict=False):
        note = f"{count} · {charts.percent(count, voters, locale)}"
        ax.text(rect.get_width() + top * 0.015, rect.get_y() + rect.get_height() / 2, note, va="center", fontsize=9)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_xlabel(axis_label)
    ax.spines[["top", "right"]].set_visible(False)
    charts.integer_ticks(ax.xaxis)
    charts.literal(fig.suptitle(heading, fontsize=12, fontweight="bold"))
    if subtitle:
        charts.literal(ax.set_title(subtitle, fontsize=9, color="#555555", loc="left"))
    return fig


def render_chart(
    title: str, choices: Sequence[str], counts: Sequence[int], *, axis_label: str = "votes",
    voters: int | None = None, subtitle: str = "", locale: str = "en",
) -> bytes:
    """PNG bytes of :func:`poll_figure` (same arguments). Glyphs the font lacks (some
    emoji) are drawn as boxes rather than failing; ``$`` in a choice stays literal."""
    return charts.png(
        poll_figure(title, choices, counts, axis_label=axis_label, voters=voters, subtitle=subtitle, locale=locale)
    )
