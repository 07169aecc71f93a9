"""The members' use-cases on a poll message: a click on a choice's button, and their own
choices.

Clicks go through a group commit: clicks that arrive while a write is in flight are
applied together in the next transaction (:func:`bot.polls.store.apply_clicks`, each
click still re-reading its own state), so a burst of clicks costs a few fsyncs, not one
each. The vote path reads nothing else from the database but a poll's
:class:`~bot.polls.store.PollMeta`, once per poll and process. Nothing here logs the
member (docs/anonymity.md).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot import anonymity
from bot.actor import Actor, use_case
from bot.clock import to_ts
from bot.errors import CercleError, Conflict, NotFound
from bot.polls import render, store
from bot.polls.base import PollsBase


@dataclass(frozen=True)
class VoteReceipt:
    """What a click did: the voter's choices now (``chosen``, positions), the click's
    ``action`` (:class:`~bot.polls.rules.ClickResult`) and the poll's facts for the reply
    (``closes_at`` UTC)."""

    poll_id: int
    chosen: tuple[int, ...]
    action: str
    choices: tuple[str, ...]
    max_choices: int
    closes_at: datetime
    anonymous: bool

    def reply(self, locale: str) -> str:
        """The ephemeral answer in ``locale``."""
        return render.vote_reply(
            locale, self.choices, self.chosen, self.max_choices, to_ts(self.closes_at), self.anonymous
        )


class Voting(PollsBase):
    """``click`` and ``my_choices``, with the group commit behind them."""

    @use_case("member")
    async def click(self, actor: Actor, poll_id: int, position: int) -> VoteReceipt:
        """``actor`` clicked choice ``position`` (1-based) of poll ``poll_id``.

        Single choice sets or moves the vote; multiple choice toggles up to
        ``max_choices``. Raises ``NotFound('polls.error.gone')`` (no such poll or choice,
        or a poll of another guild than ``actor``'s), ``Conflict`` with
        ``polls.error.not_open`` / ``closed`` / ``closed_voted`` (closed, with the
        member's own choices) / ``cancelled`` / ``max_reached``. A vote that changes what
        the poll message shows asks the live results for a refresh (at most one message
        edit per :data:`~bot.polls.rules.REFRESH_DELAY`); on an anonymous poll only a
        change in its number of voters does, never a moved vote
        (:func:`bot.polls.rules.message_moves`).
        """
        meta = await self._member_poll(actor, poll_id)
        voter = self._voter_key(poll_id, meta, actor.user_id)
        future: asyncio.Future[store.ClickOutcome | CercleError] = asyncio.get_running_loop().create_future()
        self._queue.append((store.Click(poll_id, voter, position, public=not meta.anonymous), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = self.ctx.tasks.spawn(self._flush(), name="polls.flush")
        outcome = await future
        if isinstance(outcome, CercleError):
            if outcome.key == "polls.error.closed":
                chosen = await store.voter_choices(self.db, poll_id, voter)
                if chosen:
                    names = render.chosen_names(await store.choices_of(self.db, poll_id), chosen)
                    raise Conflict("polls.error.closed_voted", closed=outcome.params["closed"], choices=names)
            raise outcome
        return VoteReceipt(
            poll_id=poll_id, chosen=outcome.result.new, action=outcome.result.action, choices=outcome.choices,
            max_choices=outcome.max_choices, closes_at=outcome.closes_at, anonymous=meta.anonymous,
        )

    @use_case("member")
    async def my_choices(self, actor: Actor, poll_id: int) -> tuple[int, ...]:
        """The positions ``actor`` has chosen on ``poll_id`` (only ever shown to them; none
        once an anonymous poll is sealed). ``NotFound`` as :meth:`click`."""
        meta = await self._member_poll(actor, poll_id)
        return await store.voter_choices(self.db, poll_id, self._voter_key(poll_id, meta, actor.user_id))

    async def _member_poll(self, actor: Actor, poll_id: int) -> store.PollMeta:
        """The poll's meta if it is in ``actor``'s guild, else ``NotFound('polls.error.gone')``."""
        meta = await self._meta(poll_id)
        if meta.guild_id != actor.guild_id:
            raise NotFound("polls.error.gone")
        return meta

    def _voter_key(self, poll_id: int, meta: store.PollMeta, user_id: int) -> str:
        """How ``user_id`` is stored for ``poll_id``: the scoped HMAC for an anonymous poll
        (docs/anonymity.md, "Dedupe keys": never the id), the decimal id for a public one."""
        if meta.anonymous:
            return anonymity.dedupe_key(self.ctx.secret, f"poll:{poll_id}", user_id)
        return str(int(user_id))

    async def _meta(self, poll_id: int) -> store.PollMeta:
        """The poll's :class:`~bot.polls.store.PollMeta`, cached (it never changes).
        ``NotFound('polls.error.gone')`` if there is no such poll (not cached).

        Concurrent first clicks on a poll share one lookup: a burst must not queue one
        database round trip per click before the first vote is even written.
        """
        meta = self._polls_meta.get(poll_id)
        if meta is not None:
            return meta
        pending = self._meta_pending.get(poll_id)
        if pending is None:
            pending = self.ctx.tasks.spawn(self._load_meta(poll_id), name="polls.meta")
            self._meta_pending[poll_id] = pending
            pending.add_done_callback(lambda _: self._meta_pending.pop(poll_id, None))
        return await asyncio.shield(pending)

    async def _load_meta(self, poll_id: int) -> store.PollMeta:
        meta = await store.poll_meta(self.db, poll_id)
        if meta is None:
            raise NotFound("polls.error.gone")
        self._polls_meta[poll_id] = meta
        return meta

    async def _flush(self) -> None:
        """Write the queued clicks, batch after batch, until the queue is empty; resolve
        each click's future with its outcome (a database failure fails its whole batch)
        and ask for a refresh of each poll whose message the batch changed (the outcomes'
        ``refresh``). Interrupted at
        shutdown, the clicks waiting are cancelled."""
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                outcomes = await store.apply_clicks(self.db, [c for c, _ in batch], self.clock.now())
            except asyncio.CancelledError:
                for _, future in (*batch, *self._queue):
                    future.cancel()
                self._queue = []
                raise
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            changed: set[int] = set()
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, store.ClickOutcome) and outcome.refresh:
                    changed.add(outcome.poll_id)
                if not future.done():
                    future.set_result(outcome)
            for poll_id in changed:
                await self._live.request(str(poll_id))
