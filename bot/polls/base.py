"""What every poll use-case module shares: the service's state, the scheduler kinds, and
the poll message — rendering it, editing it, keeping its live results current.

:class:`PollsBase` is the root of :class:`bot.polls.service.PollService`'s mixins
(:mod:`~bot.polls.creating`, :mod:`~bot.polls.voting`, :mod:`~bot.polls.closing`,
:mod:`~bot.polls.results`); it holds no use-case itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot import charts
from bot.context import AppContext, FeatureService
from bot.errors import CercleError, NotFound
from bot.i18n import t
from bot.live import LiveRefresh
from bot.polls import render, store
from bot.polls.chart import render_chart
from bot.polls.rules import REFRESH_DELAY, Poll, Tally, Visibility, effective_threshold, visibility
from bot.ports import DeliveryError, OutMessage

log = logging.getLogger(__name__)

KIND_OPEN = "polls.open"
"""Scheduler kind (ref: poll id): a scheduled poll opens at ``opens_at``."""
KIND_CLOSE = "polls.close"
"""Scheduler kind (ref: poll id): an open poll closes at ``closes_at``, then its after-close work runs."""
KIND_REFRESH = "polls.refresh"
"""Scheduler kind (ref: poll id): the debounced live-results edit of the poll message."""


class PollsBase(FeatureService):
    """The state of the poll service and the helpers of its use-cases.

    ``_queue`` holds the clicks waiting for the next group commit (each with the future
    its click awaits), ``_flusher`` the task writing them; ``_polls_meta`` caches each
    poll's :class:`~bot.polls.store.PollMeta` and ``_meta_pending`` the lookups in
    flight. ``_live`` is the one debounce of the poll messages' live results
    (:class:`bot.live.LiveRefresh`, kind :data:`KIND_REFRESH`, :data:`REFRESH_DELAY`):
    it registers its kind on ``ctx.scheduler`` when the service is built, so one
    scheduler takes one poll service. ``_shown`` holds what this process last put on
    each open poll's message, so a live refresh never edits it to what it already shows.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._queue: list[tuple[store.Click, asyncio.Future[store.ClickOutcome | CercleError]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._polls_meta: dict[int, store.PollMeta] = {}
        self._meta_pending: dict[int, asyncio.Task[store.PollMeta]] = {}
        self._shown: dict[int, OutMessage] = {}
        self._live = LiveRefresh(
            self._render_live, delay=REFRESH_DELAY, scheduler=self.scheduler, kind=KIND_REFRESH,
            loader=self._load_refresh,
        )

    # --- live results -----------------------------------------------------------------

    async def _load_refresh(self) -> list[tuple[str, datetime]]:
        """At start: every open live poll whose message shows fewer votes than stored, now."""
        now = self.clock.now()
        return [(str(pid), now) for pid in await store.stale_live(self.db)]

    async def _render_live(self, ref: str) -> None:
        """Edit the message of open poll ``ref`` if it shows fewer votes than stored
        (``votes_version`` > ``rendered_version``, a ``live`` poll) and would look
        different (a voter leaving and another joining between two renders leave an
        anonymous poll's figure as it was: no edit), and record the version it shows now."""
        poll = await store.get_poll(self.db, int(ref))
        if poll is None or poll.status != "open" or poll.message_id is None:
            return
        version = poll.votes_version
        if poll.show_results == "live" and version > poll.rendered_version:
            await self._edit(poll, unless_shown=True)
        await store.set_rendered(self.db, poll.id, version)

    # --- polls ------------------------------------------------------------------------

    async def _get(self, poll_id: int) -> Poll:
        """Poll ``poll_id``; ``NotFound('polls.error.gone')`` if it is no more."""
        poll = await store.get_poll(self.db, poll_id)
        if poll is None:
            raise NotFound("polls.error.gone")
        return poll

    async def _poll_for(self, guild_id: int, poll_id: int) -> Poll:
        """Poll ``poll_id`` of guild ``guild_id``; ``NotFound`` naming ``polls.poll`` otherwise
        (another guild's poll is as missing as no poll)."""
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.guild_id != guild_id:
            raise NotFound("polls.error.not_found", field="polls.poll", poll=poll_id)
        return poll

    async def _threshold(self, poll: Poll) -> int:
        """The poll's anonymity threshold: the higher of its own and the club's current one."""
        return effective_threshold(poll, (await self.ctx.club.get(poll.guild_id)).anonymity_threshold)

    # --- the poll message and the results -----------------------------------------------

    async def _poll_message(self, poll: Poll, tally: Tally | None = None) -> OutMessage:
        """The poll message in the club's language (``tally`` read when not given)."""
        club = await self.ctx.club.get(poll.guild_id)
        if tally is None:
            tally = await store.tally(self.db, poll.id, len(poll.choices))
        return render.poll_message(poll, tally, club.locale, effective_threshold(poll, club.anonymity_threshold))

    async def _edit(self, poll: Poll, tally: Tally | None = None, *, unless_shown: bool = False) -> None:
        """Show ``poll`` as it is now on its message (if posted); a failed edit is logged.

        ``unless_shown``: skip the edit when this process already put exactly that
        message there (``_shown``, kept for open polls only).
        """
        if poll.message_id is None:
            return
        message = await self._poll_message(poll, tally)
        if unless_shown and self._shown.get(poll.id) == message:
            return
        self._shown.pop(poll.id, None)
        try:
            await self.port.edit_message(poll.channel_id, poll.message_id, message)
        except DeliveryError as exc:
            log.warning("poll %s: message edit failed (%s)", poll.id, exc.reason)
            return
        if poll.status == "open":
            self._shown[poll.id] = message

    async def _results_message(
        self, poll: Poll, tally: Tally, locale: str, seen: Visibility | None = None
    ) -> OutMessage:
        """The results message in ``locale``, with the chart when the counts may show
        (``seen`` worked out from the poll's threshold when not given)."""
        if seen is None:
            seen = visibility(poll, tally, await self._threshold(poll))
        chart = None
        if seen.counts and tally.voters:  # nobody voted: the message says so, no chart of empty bars
            zone = (await self.ctx.club.get(poll.guild_id)).timezone
            chart = await charts.draw(
                render_chart, poll.question, poll.choices, tally.counts, axis_label=t(locale, "polls.msg.votes_axis"),
                voters=tally.voters, subtitle=render.chart_subtitle(poll, tally, locale, zone), locale=locale,
            )
        return render.results_message(poll, tally, locale, chart, seen)
