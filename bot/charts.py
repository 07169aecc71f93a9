"""The one way Cercle draws charts (docs/architecture.md, "Charts").

matplotlib (and numpy under it) weigh tens of megabytes and are needed a few times a
week, so nothing imports them until the first chart is drawn: :func:`figure` loads them
then, with the Agg backend (no display) and the object-oriented API only (no ``pyplot``
global state, so drawing in a worker thread is safe). Features write their drawing as a
plain function returning PNG bytes and run it with :func:`draw`, off the event loop.
Charts only ever receive counts and labels, never member ids or answers.

Text is laid out to be read at a glance: titles wrap (:func:`wrap_title`), long labels
wrap over two lines keeping what tells them apart (:func:`wrap_labels`), and dates, week
labels and percentages follow the reader's language through Babel (:func:`day_label`,
:func:`date_label`, :func:`week_label`, :func:`percent`), loaded with the first chart too.
"""

from __future__ import annotations

import asyncio
import io
import logging
import textwrap
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.i18n import t
from bot.text import ELLIPSIS, one_line

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.text import Text


def figure(width: float, height: float, *, dpi: int = 100) -> Figure:
    """A new figure of ``width`` × ``height`` inches on the Agg canvas (loads matplotlib
    on first use; its font warnings are silenced: a missing glyph is drawn as a box)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only (counts of votes, answers, replies)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def sparse_labels(labels: Sequence[str], most: int = 26) -> tuple[list[str], int]:
    """Axis labels that fit under many bars: every label up to ``most``, else every
    second (third…) one, the others blank; and the rotation to draw them at (45° for a
    few, 90° for many, so neighbours never overlap)."""
    step = max(1, -(-len(labels) // most))
    shown = [label if i % step == 0 else "" for i, label in enumerate(labels)]
    return shown, 45 if len(labels) <= 12 else 90


def literal(*texts: Text) -> None:
    """Show member-written text as typed: no ``$…$`` mathtext, no TeX."""
    for text in texts:
        text.set_usetex(False)
        text.set_parse_math(False)


def lay_out(fig: Figure) -> None:
    """Fit titles, labels and legends inside the figure (``tight_layout``; warnings about
    glyphs the font lacks are silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()


def png(fig: Figure) -> bytes:
    """The figure laid out and encoded as PNG bytes (missing glyphs drawn as boxes)."""
    buffer = io.BytesIO()
    lay_out(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


async def draw(chart: Callable[..., bytes], /, *args: Any, **kwargs: Any) -> bytes:
    """Run the drawing ``chart(*args, **kwargs)`` in a worker thread (it takes tens of
    milliseconds, the first one up to a second while matplotlib loads) and return its PNG."""
    return await asyncio.to_thread(chart, *args, **kwargs)


# --- text laid out for reading -----------------------------------------------------------


def wrap_title(text: str, width: int, max_lines: int = 3) -> str:
    """``text`` on one line per ``width`` characters at most, ``max_lines`` lines, the last
    ending with "…" when the text is longer (the full text stays in the database)."""
    lines = textwrap.wrap(one_line(text), width) or [""]
    if len(lines) > max_lines:
        last = textwrap.shorten(" ".join(lines[max_lines - 1:]), width - 1, placeholder="")
        lines = [*lines[: max_lines - 1], last.rstrip() + ELLIPSIS]
    return "\n".join(lines)


def _head(words: Sequence[str], width: int) -> int:
    """How many of ``words`` fit on a line of ``width`` characters (at least one)."""
    used, count = -1, 0
    for word in words:
        if used + 1 + len(word) > width and count:
            break
        used, count = used + 1 + len(word), count + 1
    return count


def _common(labels: Sequence[Sequence[str]], *, reverse: bool) -> int:
    """How many leading (trailing, ``reverse``) words all ``labels`` share."""
    if len(labels) < 2:
        return 0
    rows = [list(reversed(w)) if reverse else list(w) for w in labels]
    count = 0
    while all(len(r) > count + 1 for r in rows) and len({r[count] for r in rows}) == 1:
        count += 1
    return count


def wrap_labels(labels: Sequence[str], width: int) -> list[str]:
    """Each label on at most two lines of ``width`` characters. One too long for two lines
    keeps its start on the first line; the second shows the words that tell it apart from
    the other labels (after the words all of them start with) or, when those already show,
    its end — each cut marked with "…". Labels come back in order."""
    words = [one_line(label).split() for label in labels]
    prefix, suffix = _common(words, reverse=False), _common(words, reverse=True)
    return [_two_lines(w, width, prefix, suffix) for w in words]


def _two_lines(words: list[str], width: int, prefix: int, suffix: int) -> str:
    """One label of :func:`wrap_labels`: ``prefix``/``suffix`` words are shared by all labels."""
    lines = textwrap.wrap(" ".join(words), width)
    if len(lines) <= 2:
        return "\n".join(lines)
    first = _head(words, width - 1)
    if first >= len(words):  # one word longer than a line: its start and its end
        word = " ".join(words)
        return word[: width - 1] + ELLIPSIS + "\n" + ELLIPSIS + word[-(width - 1):]
    start, end = max(prefix, first), len(words) - suffix
    if start >= end:  # what tells it apart is on the first line: show its end
        start = end = len(words)
    room = width - 2
    while end < len(words) and len(" ".join(words[start:end + 1])) <= room:
        end += 1
    while start > first and len(" ".join(words[start - 1:end])) <= room:
        start -= 1
    middle = " ".join(words[start:end])
    if len(middle) > room:
        middle = middle[:room]
    second = (ELLIPSIS if start > first else "") + middle + (ELLIPSIS if end < len(words) or start == end else "")
    return " ".join(words[:first])[: width - 1] + ELLIPSIS + "\n" + second


def _language(locale: str) -> str:
    """``"fr"`` for any French locale, else ``"en"`` (the catalogs' two languages)."""
    return "fr" if locale.lower().startswith("fr") else "en"


_DAY = {"fr": "dM", "en": "MMMd"}
_DATE = {"fr": "yMd", "en": "yMMMd"}


def day_label(day: date, locale: str) -> str:
    """A day and month as the reader writes them (Babel): ``03/12`` in French, ``Dec 3`` in English."""
    from babel.dates import format_skeleton

    return format_skeleton(_DAY[_language(locale)], day, locale=_language(locale))


def date_label(day: date, locale: str) -> str:
    """A full date as the reader writes it (Babel): ``03/12/2026`` in French, ``Dec 3, 2026`` in English."""
    from babel.dates import format_skeleton

    return format_skeleton(_DATE[_language(locale)], day, locale=_language(locale))


def week_label(iso_week: str, locale: str) -> str:
    """An ISO week ``YYYY-Www`` as the reader names it: ``sem. 47`` in French, ``W47`` in English."""
    number = int(iso_week.rsplit("W", 1)[-1])
    return t(_language(locale), "chart.week", week=number)


def decimal(value: float, locale: str) -> str:
    """``value`` with one decimal in the reader's language (Babel): ``7,4`` in French, ``7.4`` in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.0", locale=_language(locale))


def percent(part: int, whole: int, locale: str) -> str:
    """``part`` of ``whole`` as a whole percentage in the reader's language (Babel):
    ``40 %`` in French, ``40%`` in English; ``0`` of nothing is 0."""
    from babel.numbers import format_percent

    return format_percent(part / whole if whole > 0 else 0, locale=_language(locale))
