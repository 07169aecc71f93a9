"""The one way Cercle draws charts (docs/architecture.md, "Charts").

matplotlib (and numpy under it) weigh tens of megabytes and are needed a few times a
week, so nothing imports them until the first chart is drawn: :func:`figure` loads them
then, with the Agg backend (no display) and the object-oriented API only (no ``pyplot``
global state, so drawing in a worker thread is safe). Features write their drawing as a
plain function returning PNG bytes and run it with :func:`draw`, off the event loop.
Charts only ever receive counts and labels, never member ids or answers.
"""

from __future__ import annotations

import asyncio
import io
import logging
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure


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


def png(fig: Figure) -> bytes:
    """The figure laid out and encoded as PNG bytes (missing glyphs drawn as boxes)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


async def draw(chart: Callable[..., bytes], /, *args: Any, **kwargs: Any) -> bytes:
    """Run the drawing ``chart(*args, **kwargs)`` in a worker thread (it takes tens of
    milliseconds, the first one up to a second while matplotlib loads) and return its PNG."""
    return await asyncio.to_thread(chart, *args, **kwargs)
