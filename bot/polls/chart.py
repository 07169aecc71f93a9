"""The results chart of a poll: a horizontal bar chart as PNG bytes, drawn with
:mod:`bot.charts` (run it with :func:`bot.charts.draw`)."""

from __future__ import annotations

from bot import charts
from bot.text import one_line, shorten

LABEL_CHARS = 40


def render_chart(title: str, choices: tuple[str, ...] | list[str], counts: tuple[int, ...] | list[int], *,
                 axis_label: str = "votes") -> bytes:
    """PNG bytes of a horizontal bar chart: one bar per choice (position 1 on top).

    Labels are the choices numbered and shortened to 40 characters with "…" (the full text
    stays in the database); glyphs the font lacks (some emoji) are drawn as boxes rather
    than failing. ``mathtext`` is off, so ``$`` in a choice stays literal.
    """
    labels = [f"{i}. {shorten(one_line(c), LABEL_CHARS)}" for i, c in enumerate(choices, start=1)]
    height = 1.2 + 0.45 * max(len(labels), 1)
    fig = charts.figure(8, height)
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, list(counts), color="#5865F2")
    ax.set_yticks(positions, labels=labels)
    for text in ax.get_yticklabels():
        text.set_usetex(False)
        text.set_parse_math(False)
    top = max(list(counts) + [1])
    ax.set_xlim(0, top * 1.15)
    for rect, count in zip(bars, counts, strict=False):
        ax.text(rect.get_width() + top * 0.01, rect.get_y() + rect.get_height() / 2, str(count), va="center")
    ax.set_xlabel(axis_label)
    ax.set_title(shorten(one_line(title), 80), parse_math=False)
    charts.integer_ticks(ax.xaxis)
    return charts.png(fig)
