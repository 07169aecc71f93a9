"""PNG charts of anonymous aggregates, drawn with :mod:`bot.charts` (run them with
:func:`bot.charts.draw`). They only ever receive counts (never text, never ids)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import charts

_COLORS = ("#d9534f", "#5b8def", "#5cb85c", "#f0ad4e", "#999999")


def rating_distributions(titles: Sequence[str], distributions: Sequence[Sequence[int]], ylabel: str) -> bytes:
    """One bar chart per 0–10 question (11 counts each), stacked vertically; PNG bytes.

    ``titles`` are the (moderator-written) question texts, already shortened.
    Raises ``ValueError`` when the two sequences differ in length or are empty.
    """
    if not titles or len(titles) != len(distributions):
        raise ValueError("one title per distribution, at least one")
    fig = charts.figure(7, 2.6 * len(titles))
    axes = fig.subplots(len(titles), 1, squeeze=False)
    for ax, title, counts in zip(axes[:, 0], titles, distributions, strict=True):
        colors = ["#d9534f" if i <= 6 else "#f0ad4e" if i <= 8 else "#5cb85c" for i in range(11)]
        ax.bar(range(11), list(counts), color=colors)
        ax.set_xticks(range(11))
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        charts.integer_ticks(ax.yaxis)
    return charts.png(fig)


def weekly_categories(weeks: Sequence[str], counts: Mapping[str, Sequence[int]], labels: Mapping[str, str], title: str) -> bytes:
    """Stacked bars: feedback per ISO week, one colour per category; PNG bytes."""
    fig = charts.figure(8, 3.5)
    ax = fig.subplots()
    bottom = [0] * len(weeks)
    for color, (category, values) in zip(_COLORS * 2, counts.items(), strict=False):
        ax.bar(range(len(weeks)), list(values), bottom=bottom, color=color, label=labels.get(category, category))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(weeks)))
    ax.set_xticklabels([w[5:] for w in weeks], rotation=45, fontsize=8)
    ax.set_title(title, fontsize=10)
    charts.integer_ticks(ax.yaxis)
    ax.legend(fontsize=8, loc="upper left")
    return charts.png(fig)
