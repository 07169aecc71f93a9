"""The engagement chart of ``/prompt stats``: a PNG rendered with matplotlib's Agg backend
(no display needed; call it off the event loop, it takes tens of milliseconds)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import matplotlib

matplotlib.use("Agg")

from matplotlib.artist import Artist  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

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
    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    xs = list(range(len(posts)))
    axes.bar(xs, [p.replies for p in posts], color=[COLORS.get(p.theme, "#999999") for p in posts])
    axes.plot(xs, [p.participants for p in posts], color="#333333", marker="o", linewidth=1.5)
    axes.set_xticks(xs)
    axes.set_xticklabels([p.posted_at.strftime("%d/%m") for p in posts], rotation=45, fontsize=8)
    axes.set_ylabel(replies_label)
    axes.set_title(title)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    used = [t for t in COLORS if any(p.theme == t for p in posts)]
    handles: list[Artist] = [Patch(color=COLORS[t], label=theme_labels.get(t, t)) for t in used]
    handles.append(Line2D([], [], color="#333333", marker="o", label=participants_label))
    axes.legend(handles=handles, fontsize=8, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
