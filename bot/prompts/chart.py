"""The engagement chart of ``/prompt stats``: PNG bytes drawn with :mod:`bot.charts`
(run it with :func:`bot.charts.draw`, off the event loop)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot import charts

if TYPE_CHECKING:
    from matplotlib.artist import Artist

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
    posts: Sequence[_Point], theme_labels: dict[str, str], title: str, replies_label: str, participants_label: str
) -> bytes:
    """Bars of replies per posted prompt (coloured by theme, oldest left) with a line of distinct
    participants; returns PNG bytes (about 800×400 px). ``theme_labels`` maps theme keys to names."""
    figure = charts.figure(8, 4)
    from matplotlib.lines import Line2D  # loaded by charts.figure
    from matplotlib.patches import Patch

    axes = figure.subplots()
    xs = list(range(len(posts)))
    axes.bar(xs, [p.replies for p in posts], color=[COLORS.get(p.theme, "#999999") for p in posts])
    axes.plot(xs, [p.participants for p in posts], color="#333333", marker="o", linewidth=1.5)
    axes.set_xticks(xs)
    axes.set_xticklabels([p.posted_at.strftime("%d/%m") for p in posts], rotation=45, fontsize=8)
    axes.set_ylabel(replies_label)
    axes.set_title(title)
    charts.integer_ticks(axes.yaxis)
    used = [t for t in COLORS if any(p.theme == t for p in posts)]
    handles: list[Artist] = [Patch(color=COLORS[t], label=theme_labels.get(t, t)) for t in used]
    handles.append(Line2D([], [], color="#333333", marker="o", label=participants_label))
    axes.legend(handles=handles, fontsize=8, loc="upper left")
    return charts.png(figure)
