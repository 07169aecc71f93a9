"""The engagement chart of ``/prompt stats``: PNG bytes drawn with :mod:`bot.charts`
(run it with :func:`bot.charts.draw`, off the event loop). Each prompt is labelled with
the day it was posted as the reader writes it (``03/12`` in French, ``Dec 3`` in
English), in the club's time zone; the title wraps; the legend sits beside the plot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from bot import charts

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

COLORS = {
    "features": "#5865F2",
    "practice": "#57F287",
    "pain_points": "#ED4245",
    "roadmap": "#E0B400",
    "community": "#EB459E",
}


class _Point(Protocol):
    """What the chart reads of one posted prompt (read-only: ``PostStat`` is frozen)."""

    @property
    def posted_at(self) -> datetime: ...
    @property
    def theme(self) -> str: ...
    @property
    def replies(self) -> int: ...
    @property
    def participants(self) -> int: ...


def render_chart(
    posts: Sequence[_Point], theme_labels: dict[str, str], title: str, replies_label: str, participants_label: str,
    locale: str = "en", zone: str = "UTC",
) -> bytes:
    """Bars of replies per posted prompt (coloured by theme, oldest left) with a line of distinct
    participants; returns PNG bytes (about 900×400 px). ``theme_labels`` maps theme keys to names;
    days are written for ``locale`` readers, in the IANA ``zone``."""
    return charts.png(stats_figure(posts, theme_labels, title, replies_label, participants_label, locale, zone))


def stats_figure(
    posts: Sequence[_Point], theme_labels: dict[str, str], title: str, replies_label: str, participants_label: str,
    locale: str = "en", zone: str = "UTC",
) -> Figure:
    """The figure of :func:`render_chart` (same arguments), not yet laid out."""
    figure = charts.figure(9, 4)
    from matplotlib.lines import Line2D  # loaded by charts.figure
    from matplotlib.patches import Patch

    axes = figure.subplots()
    xs = list(range(len(posts)))
    axes.bar(xs, [p.replies for p in posts], color=[COLORS.get(p.theme, "#999999") for p in posts])
    axes.plot(xs, [p.participants for p in posts], color="#333333", marker="o", linewidth=1.5)
    axes.set_xticks(xs)
    days, rotation = charts.sparse_labels(
        [charts.day_label(p.posted_at.astimezone(ZoneInfo(zone)).date(), locale) for p in posts]
    )
    axes.set_xticklabels(days, rotation=rotation, ha="right" if rotation == 45 else "center", fontsize=8)
    axes.set_ylabel(replies_label)
    axes.spines[["top", "right"]].set_visible(False)
    charts.literal(axes.set_title(charts.wrap_title(title, 70, max_lines=2)))
    charts.integer_ticks(axes.yaxis)
    used = [t for t in COLORS if any(p.theme == t for p in posts)]
    handles: list[Artist] = [Patch(color=COLORS[t], label=theme_labels.get(t, t)) for t in used]
    handles.append(Line2D([], [], color="#333333", marker="o", label=participants_label))
    axes.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return figure
