"""What moderators and members read of polls: ``/poll results`` (ephemeral, with the
chart), ``/poll export`` (CSV or Excel, :mod:`bot.export`), ``/poll list``, ``/polls`` and the poll autocomplete.

``/poll results`` and the export never show more than the poll message
(:func:`bot.polls.rules.visibility`): no counts of an anonymous poll before its close, nor
below its threshold after it (docs/anonymity.md, "The anonymity threshold").
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import export as table_export
from bot.actor import Actor, use_case
from bot.clock import to_ts
from bot.errors import Conflict
from bot.i18n import t
from bot.polls import render, store
from bot.polls.base import PollsBase
from bot.polls.rules import RECENTLY_CLOSED, Poll, Tally, Visibility, visibility
from bot.ports import File, OutMessage


@dataclass(frozen=True)
class PollExport:
    """A poll's CSV or Excel ``file``, its number of data ``rows``, and whether the poll is
    ``anonymous`` (its export then has counts only)."""

    file: File
    rows: int
    anonymous: bool


class Results(PollsBase):
    """``results``, ``export``, ``listing``, ``open_polls`` and ``autocomplete``."""

    @use_case("moderator")
    async def results(self, actor: Actor, poll_id: int) -> OutMessage:
        """The results of poll ``poll_id`` of ``actor``'s guild with the chart, in
        ``actor``'s language (else the club's), for an ephemeral reply. Raises
        ``Forbidden``, ``NotFound`` (field ``polls.poll``), ``Conflict`` as
        :meth:`_check_visible`. An anonymous poll closed below its threshold gives the
        number of voters only, saying the counts are hidden (no chart)."""
        club = await self.ctx.club.get(actor.guild())
        poll = await self._poll_for(club.guild_id, poll_id)
        tally, seen = await self._check_visible(poll)
        return await self._results_message(poll, tally, actor.reads(club.locale), seen)

    async def _check_visible(self, poll: Poll) -> tuple[Tally, Visibility]:
        """The tally and what of it shows, under the message's own rule, so ``/poll
        results`` and the export never show more than the poll message. Raises
        ``Conflict`` while a public ``after_close`` poll (``polls.error.results_hidden``) or
        an anonymous poll (``polls.error.below_threshold``) is not closed: repeated
        ``/poll results`` on an open anonymous poll would time single votes."""
        if not poll.anonymous and poll.show_results == "after_close" and poll.status != "closed":
            raise Conflict("polls.error.results_hidden", poll=poll.id, closes=to_ts(poll.closes_at))
        tally = await store.tally(self.db, poll.id, len(poll.choices))
        threshold = await self._threshold(poll)
        if poll.anonymous and poll.status != "closed":
            raise Conflict("polls.error.below_threshold", poll=poll.id, threshold=threshold, count=tally.voters)
        return tally, visibility(poll, tally, threshold)

    @use_case("moderator")
    async def export(self, actor: Actor, poll_id: int, fmt: str = "csv") -> PollExport:
        """Poll ``poll_id`` of ``actor``'s guild as a ``fmt`` file (``csv`` or ``xlsx``,
        :mod:`bot.export`: the club's language, separator and time zone). Public poll: one
        row per vote — voter (a Discord id), choice number, choice, time of the vote;
        anonymous poll: counts only — choice number, choice, votes (no voter column:
        docs/anonymity.md, "Logs and exports"). Same refusals as :meth:`results`, plus
        ``Conflict('polls.error.hidden_below_threshold')`` for an anonymous poll closed
        below its threshold, ``InvalidInput`` for another format. Audited."""
        checked = table_export.check_format(fmt)
        club = await self.ctx.club.get(actor.guild())
        poll = await self._poll_for(club.guild_id, poll_id)
        tally, seen = await self._check_visible(poll)
        if not seen.counts and poll.anonymous:
            raise Conflict("polls.error.hidden_below_threshold", poll=poll.id, threshold=seen.threshold, count=tally.voters)
        lang = club.locale
        number, choice = table_export.Column(t(lang, "polls.export.number"), "number"), table_export.Column(
            t(lang, "polls.export.choice"))
        if poll.anonymous:
            columns = [number, choice, table_export.Column(t(lang, "polls.export.votes"), "number")]
            rows: list[list[table_export.Cell]] = [
                [position, text, tally.counts[position - 1]] for position, text in enumerate(poll.choices, start=1)
            ]
        else:
            columns = [table_export.Column(t(lang, "polls.export.voter"), "member"), number, choice,
                       table_export.Column(t(lang, "polls.export.voted_at"), "time")]
            rows = [[int(vote.voter), vote.position, poll.choices[vote.position - 1], vote.voted_at]
                    for vote in await store.public_votes(self.db, poll_id)]
        await self.ctx.club.audit(poll.guild_id, actor.user_id, "polls.export", f"poll #{poll_id}")
        table = table_export.Table(f"poll-{poll_id}", t(lang, "polls.export.sheet", poll=poll_id), columns, rows)
        file = table_export.write(table, checked, locale=lang, timezone=club.timezone)
        return PollExport(file, len(rows), poll.anonymous)

    @use_case("moderator")
    async def listing(self, actor: Actor) -> list[Poll]:
        """Moderators' ``/poll list`` of ``actor``'s guild: open, scheduled and closed in
        the last 30 days (≤ 25 each, choices not loaded)."""
        guild_id = actor.guild()
        since = self.clock.now() - RECENTLY_CLOSED
        result = []
        for status in ("open", "scheduled", "closed"):
            result += await store.list_polls(self.db, guild_id, (status,), closed_since=since)
        return result

    @use_case("member")
    async def open_polls(self, actor: Actor) -> list[Poll]:
        """Members' ``/polls``: the open polls of ``actor``'s guild (≤ 25, choices not loaded)."""
        return await store.list_polls(self.db, actor.guild(), ("open",))

    @use_case("moderator")
    async def autocomplete(self, actor: Actor, query: str, action: str) -> list[tuple[str, int]]:
        """``(label, poll_id)`` suggestions (≤ 25) of ``actor``'s guild for the moderator
        command ``action``: ``close`` (open polls), ``cancel`` (scheduled),
        ``results``/``export`` (open and closed); labels in ``actor``'s language (else the
        club's). Raises ``Forbidden`` for a member who is not a moderator."""
        club = await self.ctx.club.get(actor.guild())
        statuses = {"close": ("open",), "cancel": ("scheduled",)}.get(action, ("open", "closed"))
        polls = await store.search_polls(self.db, club.guild_id, statuses, query)
        locale = actor.reads(club.locale)
        return [(render.autocomplete_label(p, locale), p.id) for p in polls]
