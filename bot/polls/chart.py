"""The results chart of a poll: a horizontal bar chart as PNG bytes (matplotlib, Agg).

Uses the object-oriented API (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``, so a
chart can be drawn in a worker thread (``asyncio.to_thread``) without global state.
"""

from __future__ import annotations

import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.text import one_line, shorten  # noqa: E402

LABEL_CHARS = 40
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


def render_chart(title: str, choices: tuple[str, ...] | list[str], counts: tuple[int, ...] | list[int], *,
                 axis_label: str = "votes") -> bytes:
    """PNG bytes of a horizontal bar chart: one bar per choice (position 1 on top).

    Labels are the choices numbered and shortened to 40 characters with "…" (the full text
    stays in the database); glyphs the font lacks (some emoji) are drawn as boxes rather
    than failing. ``mathtext`` is off, so ``$`` in a choice stays literal.
    """
    labels = [f"{i}. {shorten(one_line(c), LABEL_CHARS)}" for i, c in enumerate(choices, start=1)]
    height = 1.2 + 0.45 * max(len(labels), 1)
    fig = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(fig)
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
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs (emoji) are drawn as boxes
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()
