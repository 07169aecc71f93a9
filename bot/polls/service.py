"""Use-cases of polls: create, vote, open/close on time, recurrences, results, export.

Everything scheduled goes scheduler → this service → port (docs/architecture.md, "Scheduler"):

- ``polls.open`` (ref: poll id): a scheduled poll opens at ``opens_at`` (its message is
  posted then if it was not already).
- ``polls.close`` (ref: poll id): an open poll closes at ``closes_at``; then the
  after-close work — final edit, results chart, next occurrence of a series — runs
  once (idempotency claims), and ``finalized_at`` is set. Re-armed at start for
  unfinished work, so an overdue close happens at start.
- ``polls.refresh`` (ref: poll id): the live results edit, armed
  :data:`~bot.polls.rules.REFRESH_DELAY` after the first unrendered vote if none is
  armed, so a poll message is edited at most once per delay however fast votes come.

Anonymous polls (docs/anonymity.md, "The anonymity threshold" and "Anonymous polls sealed at the close"):

- Counts of an anonymous poll show only once it is closed, and only if at least *k*
  members voted, *k* being the higher of the club's anonymity threshold when the poll was
  created (kept on the poll) and its threshold now (never below 3). Before the close the
  message shows the number of voters only, whatever ``show_results``: live counts would
  tell anyone watching the message (or a member who votes, reads the counts and un-votes)
  what the last voters chose. Below *k* at the close, the counts stay hidden for good —
  in the final message, the results post (no chart), ``/poll results`` and the export
  (refused) — and only the number of voters shows. Public polls keep ``live`` results.
- At the close an anonymous poll is sealed (:func:`~bot.polls.store.seal`, one
  transaction): every vote's voter key is replaced by a random value, so only the counts
  survive — not even the database and the secret together tell who voted what. A member
  who clicks a sealed poll is told it is closed, without their vote (nobody can find it).

Clicks go through a group commit: clicks that arrive while a write is in flight are
applied together in the next transaction (each click still re-reads its own state), so a
burst of clicks costs a few fsyncs, not one each.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime

from bot import anonymity
from bot.actor import Actor
from bot.clock import from_ts, to_ts
from bot.club.rules import ClubSettings
from bot.context import AppContext, Feature, FeatureService
from bot.errors import CercleError, Conflict, InvalidInput, NotFound
from bot.i18n import t
from bot.polls import render, store
from bot.polls.chart import render_chart
from bot.polls.rules import (
    DEFAULT_DURATION,
    RECENTLY_CLOSED,
    REFRESH_DELAY,
    REPEATS,
    SHOW_RESULTS,
    Poll,
    PollSpec,
    Repeat,
    ShowResults,
    Tally,
    check_max_choices,
    check_window,
    clean_description,
    clean_question,
    load_choices,
    next_occurrence,
    parse_choices,
    rrule_for,
    to_local,
)
from bot.ports import DeliveryError, File, OutMessage
from bot.timeparse import is_duration, parse_duration, parse_future_instant

log = logging.getLogger(__name__)

KIND_OPEN = "polls.open"
KIND_CLOSE = "polls.close"
KIND_REFRESH = "polls.refresh"


@dataclass(frozen=True)
class PollDraft:
    """The options of ``/poll create`` once checked, waiting for the modal's text.

    ``opens_at`` is ``None`` for "now"; ``closes_text`` is kept so a duration such as
    ``48h`` counts from the actual opening.
    """

    guild_id: int
    creator_id: int
    channel_id: int
    anonymous: bool
    max_choices: int
    opens_at: datetime | None
    closes_at: datetime
    closes_text: str | None
    show_results: ShowResults
    repeat: Repeat
    timezone: str
    locale: str


@dataclass(frozen=True)
class VoteReceipt:
    """What a click did: the voter's choices now (positions) and the poll's facts for the reply."""

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


class PollService(FeatureService):
    """Polls for every guild of one bot process. Build with ``PollService(ctx)`` and call
    :meth:`register_jobs` before ``ctx.scheduler.start()``."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._queue: list[tuple[store.Click, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._polls_meta: dict[int, tuple[bool, int]] = {}
        self._meta_pending: dict[int, asyncio.Future] = {}
        self._side_effects: set[asyncio.Task] = set()

    # --- scheduler wiring -------------------------------------------------------------

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``polls.open``, ``polls.close`` and ``polls.refresh`` with loaders that
        re-arm from the DB; returns those kinds."""
        self.scheduler.register(KIND_OPEN, self._job_open, self._load_opens)
        self.scheduler.register(KIND_CLOSE, self._job_close, self._load_closes)
        self.scheduler.register(KIND_REFRESH, self._job_refresh, self._load_refresh)
        return (KIND_OPEN, KIND_CLOSE, KIND_REFRESH)

    async def _load_opens(self) -> list[tuple[str, datetime]]:
        return [(str(pid), when) for pid, when in await store.due_opens(self.db)]

    async def _load_closes(self) -> list[tuple[str, datetime]]:
        return [(str(pid), when) for pid, when in await store.due_closes(self.db)]

    async def _load_refresh(self) -> list[tuple[str, datetime]]:
        now = self.clock.now()
        return [(str(pid), now) for pid in await store.stale_live(self.db)]

    # --- creation ---------------------------------------------------------------------

    async def prepare(
        self,
        guild_id: int,
        actor_id: int,
        *,
        manage_guild: bool,
        role_ids: list[int],
        channel_id: int | None = None,
        anonymous: bool = True,
        max_choices: int = 1,
        opens: str | None = None,
        closes: str | None = None,
        show_results: str = "live",
        repeat: str = "none",
    ) -> PollDraft:
        """Check the options of ``/poll create`` before the modal opens.

        ``opens``/``closes`` are typed in the club's language and zone (``closes`` may be a
        duration from the opening; default 7 days). Raises ``Forbidden`` (not a moderator)
        or ``InvalidInput`` naming the field: ``polls.channel`` (none / cannot post),
        ``polls.max_choices`` (1–20), ``polls.opens``/``polls.closes`` (unreadable, past,
        close before open, > 366 days, recurring window longer than the period),
        ``polls.show_results``/``polls.repeat`` (unknown value).
        """
        club = await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        if show_results not in SHOW_RESULTS:
            raise InvalidInput("polls.error.bad_option", field="polls.show_results", allowed=", ".join(SHOW_RESULTS))
        if repeat not in REPEATS:
            raise InvalidInput("polls.error.bad_option", field="polls.repeat", allowed=", ".join(REPEATS))
        check_max_choices(max_choices)
        channel = channel_id or club.announcements_channel_id
        if channel is None:
            raise InvalidInput("polls.error.no_channel", field="polls.channel")
        if not await self.port.can_post(channel):
            raise InvalidInput("polls.error.cannot_post", field="polls.channel", channel=f"<#{channel}>")
        now = self.clock.now()
        opens_at = None
        if opens and opens.strip():
            opens_at = parse_future_instant(opens, field="polls.opens", zone=club.timezone, locale=club.locale, now=now)
        start = opens_at or now
        closes_text = closes.strip() if closes and closes.strip() else None
        try:
            closes_at = self._closes(closes_text, start, club, now)
            if repeat != "none":  # the series is stored in local time: the zone shift must fit too
                to_local(start, club.timezone), to_local(closes_at, club.timezone)
        except OverflowError:  # e.g. opens "9999-12-31 23:59" + the default 7 days
            field, value = ("polls.closes", closes_text) if closes_text else ("polls.opens", opens or "")
            raise InvalidInput("polls.error.out_of_range", field=field, value=value.strip()[:50]) from None
        check_window(start, closes_at, repeat)
        return PollDraft(
            guild_id=guild_id, creator_id=actor_id, channel_id=channel, anonymous=anonymous,
            max_choices=max_choices, opens_at=opens_at, closes_at=closes_at, closes_text=closes_text,
            show_results=show_results, repeat=repeat, timezone=club.timezone, locale=club.locale,
        )

    def _closes(self, text: str | None, start: datetime, club: ClubSettings, now: datetime) -> datetime:
        """The closing instant; raises ``OverflowError`` when it falls outside datetime's range."""
        if text is None:
            return start + DEFAULT_DURATION
        if is_duration(text):
            return start + parse_duration(text, field="polls.closes", locale=club.locale, base=start)
        return parse_future_instant(text, field="polls.closes", zone=club.timezone, locale=club.locale, now=now)

    async def create(self, draft: PollDraft, *, question: str, choices: str, description: str | None = None) -> Poll:
        """Create the poll from a draft and the modal's text; returns it as stored.

        Opens now (message posted, close armed) or, with a future ``opens``, posts the
        message as "opens …" and arms the open. A ``repeat`` also stores the series (local
        wall-clock times + the club's zone + RFC 5545 rule). Raises ``InvalidInput``
        naming ``polls.question``, ``polls.choices``, ``polls.description``,
        ``polls.max_choices`` (more than the choices) or ``polls.closes`` (now past), or
        ``polls.channel`` when the post fails (nothing is kept then).
        """
        spec_question = clean_question(question)
        spec_choices = parse_choices(choices)
        spec_description = clean_description(description)
        check_max_choices(draft.max_choices, len(spec_choices))
        now = self.clock.now()
        opens_at = draft.opens_at if draft.opens_at and draft.opens_at > now else now
        closes_at = draft.closes_at
        if draft.opens_at is None and draft.closes_text and is_duration(draft.closes_text):
            closes_at = now + parse_duration(draft.closes_text, field="polls.closes", base=now)
        if closes_at <= now:
            raise InvalidInput("error.time_in_past", field="polls.closes")
        check_window(opens_at, closes_at, draft.repeat)
        spec = PollSpec(
            guild_id=draft.guild_id, channel_id=draft.channel_id, creator_id=draft.creator_id,
            question=spec_question, description=spec_description, choices=spec_choices,
            anonymous=draft.anonymous, max_choices=draft.max_choices, show_results=draft.show_results,
            opens_at=opens_at, closes_at=closes_at, repeat=draft.repeat, timezone=draft.timezone,
        )
        series_id = None
        if draft.repeat != "none":
            local_opens = to_local(opens_at, draft.timezone)
            series_id = await store.insert_series(
                self.db, spec, rule=rrule_for(draft.repeat, local_opens), local_opens=local_opens,
                local_closes=to_local(closes_at, draft.timezone), now=now,
            )
        status = "open" if opens_at <= now else "scheduled"
        threshold = (await self.ctx.club.get(draft.guild_id)).anonymity_threshold
        poll_id = await store.insert_poll(
            self.db, spec, status=status, series_id=series_id, now=now, threshold=threshold
        )
        assert poll_id is not None
        if status == "open":
            await self.db.execute("UPDATE polls SET opened_at = ? WHERE id = ?", (to_ts(now), poll_id))
        poll = await self._get(poll_id)
        try:
            message_id = await self.port.send_message(poll.channel_id, await self._poll_message(poll))
        except DeliveryError:
            await self.db.execute("DELETE FROM polls WHERE id = ?", (poll_id,))
            if series_id is not None:
                await self.db.execute("DELETE FROM poll_series WHERE id = ?", (series_id,))
            raise InvalidInput(
                "polls.error.cannot_post", field="polls.channel", channel=f"<#{poll.channel_id}>"
            ) from None
        await store.set_message(self.db, poll_id, message_id)
        await self.scheduler.claim(f"poll:{poll_id}:post", poll.guild_id)
        await self.scheduler.complete(f"poll:{poll_id}:post", message_id)
        if status == "open":
            self.scheduler.arm(KIND_CLOSE, str(poll_id), closes_at)
        else:
            self.scheduler.arm(KIND_OPEN, str(poll_id), opens_at)
        await self.ctx.club.audit(
            poll.guild_id, draft.creator_id, "polls.create",
            f"poll #{poll_id} in <#{poll.channel_id}> ({'anonymous' if draft.anonymous else 'public'}, "
            f"{draft.show_results}, repeat {draft.repeat})",
        )
        return await self._get(poll_id)

    async def create_open_polls(self, specs: list[PollSpec]) -> list[int]:
        """Store many already-open polls without posting them (benchmarks of start-up
        re-arming); arms their close. Returns their ids."""
        now = self.clock.now()
        ids = []
        for spec in specs:
            poll_id = await store.insert_poll(self.db, spec, status="open", series_id=None, now=now)
            assert poll_id is not None
            ids.append(poll_id)
            self.scheduler.arm(KIND_CLOSE, str(poll_id), spec.closes_at)
        return ids

    # --- voting -----------------------------------------------------------------------

    async def _meta(self, poll_id: int) -> tuple[bool, int]:
        """``(anonymous, guild_id)`` of a poll, cached (both never change). ``NotFound`` if gone.

        Concurrent first clicks on a poll share one lookup: a burst must not queue one
        database round trip per click before the first vote is even written.
        """
        meta = self._polls_meta.get(poll_id)
        if meta is not None:
            return meta
        pending = self._meta_pending.get(poll_id)
        if pending is None:
            pending = asyncio.ensure_future(self._load_meta(poll_id))
            self._meta_pending[poll_id] = pending
            pending.add_done_callback(lambda _: self._meta_pending.pop(poll_id, None))
        return await asyncio.shield(pending)

    async def _load_meta(self, poll_id: int) -> tuple[bool, int]:
        row = await self.db.fetchone("SELECT anonymous, guild_id FROM polls WHERE id = ?", (poll_id,))
        if row is None:
            raise NotFound("polls.error.gone")
        meta = self._polls_meta[poll_id] = (bool(row[0]), int(row[1]))
        return meta

    async def voter_key(self, poll_id: int, user_id: int) -> str:
        """How ``user_id`` is stored for ``poll_id``: the scoped HMAC for an anonymous poll
        (docs/anonymity.md, "Dedupe keys": never the id), the decimal id for a public one. ``NotFound`` if gone."""
        anonymous, _ = await self._meta(poll_id)
        if anonymous:
            return anonymity.dedupe_key(self.ctx.secret, f"poll:{poll_id}", user_id)
        return str(int(user_id))

    async def click(self, poll_id: int, position: int, user_id: int, guild_id: int | None = None) -> VoteReceipt:
        """A member clicked choice ``position`` (1-based) of ``poll_id`` (in ``guild_id``, checked when given).

        Single choice sets or moves the vote; multiple choice toggles up to
        ``max_choices``. Raises ``NotFound('polls.error.gone')``, ``Conflict`` with
        ``polls.error.not_open`` / ``closed`` / ``closed_voted`` / ``cancelled`` /
        ``max_reached``. Nothing here logs the member (anonymity). A live poll gets a
        refresh armed.
        """
        anonymous, owner = await self._meta(poll_id)
        if guild_id is not None and owner != guild_id:
            raise NotFound("polls.error.gone")
        voter = await self.voter_key(poll_id, user_id)
        click = store.Click(poll_id, voter, position, public=not anonymous)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queue.append((click, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
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
            max_choices=outcome.max_choices, closes_at=outcome.closes_at, anonymous=anonymous,
        )

    async def my_choices(self, poll_id: int, user_id: int) -> tuple[int, ...]:
        """The positions ``user_id`` has chosen on ``poll_id`` (only ever shown to them)."""
        return await store.voter_choices(self.db, poll_id, await self.voter_key(poll_id, user_id))

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                outcomes = await store.apply_clicks(self.db, [c for c, _ in batch], self.clock.now())
            except Exception as exc:  # a database failure fails the whole batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            changed: set[int] = set()
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, store.ClickOutcome) and outcome.changed:
                    changed.add(outcome.poll_id)
                if not future.done():
                    future.set_result(outcome)
            for poll_id in changed:
                self._schedule_refresh(poll_id)

    def _schedule_refresh(self, poll_id: int) -> None:
        ref = str(poll_id)
        if any(a.ref == ref for a in self.scheduler.pending(KIND_REFRESH)):
            return
        self.scheduler.arm(KIND_REFRESH, ref, self.clock.now() + REFRESH_DELAY)

    # --- scheduled work ---------------------------------------------------------------

    async def _job_refresh(self, ref: str) -> None:
        poll = await store.get_poll(self.db, int(ref))
        if poll is None or poll.status != "open" or poll.message_id is None:
            return
        version = poll.votes_version
        if poll.show_results == "live" and version > poll.rendered_version:
            await self._edit(poll)
        await store.set_rendered(self.db, poll.id, version)

    async def _job_open(self, ref: str) -> None:
        await self.open_due(int(ref))

    async def open_due(self, poll_id: int) -> bool:
        """Open a scheduled poll whose time has come (idempotent); ``True`` if it opened now."""
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.status != "scheduled":
            return False
        now = self.clock.now()
        if poll.opens_at > now:
            self.scheduler.arm(KIND_OPEN, str(poll_id), poll.opens_at)
            return False
        if not await store.mark_open(self.db, poll_id, now):
            return False
        poll = await self._get(poll_id)
        if poll.message_id is None:
            async with self.scheduler.claimed(f"poll:{poll_id}:post", poll.guild_id) as won:
                if won:
                    try:
                        message_id = await self.port.send_message(poll.channel_id, await self._poll_message(poll))
                    except DeliveryError as exc:
                        log.warning("poll %s: could not post in channel %s (%s)", poll_id, poll.channel_id, exc.reason)
                    else:
                        await store.set_message(self.db, poll_id, message_id)
                        await self.scheduler.complete(f"poll:{poll_id}:post", message_id)
        else:
            await self._edit(poll)
        self.scheduler.arm(KIND_CLOSE, str(poll_id), poll.closes_at)
        return True

    async def _job_close(self, ref: str) -> None:
        poll = await store.get_poll(self.db, int(ref))
        if poll is None:
            return
        now = self.clock.now()
        if poll.status == "open":
            if poll.closes_at > now:
                self.scheduler.arm(KIND_CLOSE, ref, poll.closes_at)
                return
            await store.mark_closed(self.db, poll.id, now)
        await self._finalize(poll.id)

    async def _finalize(self, poll_id: int) -> None:
        """After-close work, each step once: seal (anonymous), final edit, results post,
        next occurrence. It runs in a task of the service's own, and the results post under
        :meth:`Scheduler.claimed`: if the bot stops meanwhile (say, during a rate-limit
        wait), :meth:`shutdown` interrupts it while the database is still open, the claim
        is released and ``finalized_at`` stays unset, so the next start posts it — once."""
        task = asyncio.ensure_future(self._finalize_now(poll_id))
        self._side_effects.add(task)
        task.add_done_callback(self._side_effects.discard)
        await task

    async def shutdown(self) -> None:
        """Interrupt the after-close work in flight (called when the bot stops, before the
        database closes): its claims are released, so the next start redoes it."""
        tasks = [task for task in self._side_effects if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _finalize_now(self, poll_id: int) -> None:
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.status != "closed" or poll.finalized_at is not None:
            return
        self.scheduler.disarm(KIND_REFRESH, str(poll_id))
        club = await self.ctx.club.get(poll.guild_id)
        if poll.anonymous and poll.sealed_voters is None:
            if await store.seal(self.db, poll_id, render.effective_threshold(poll, club.anonymity_threshold)):
                await self._checkpoint()
            poll = await self._get(poll_id)
        tally = await store.tally(self.db, poll_id, len(poll.choices))
        await self._edit(poll, tally)
        await store.set_rendered(self.db, poll_id, poll.votes_version)
        async with self.scheduler.claimed(f"poll:{poll_id}:chart", poll.guild_id) as won:
            if won:
                message = await self._results_message(poll, tally, club.locale)
                try:
                    message_id = await self.port.send_message(poll.channel_id, message)
                except DeliveryError as exc:
                    log.warning("poll %s: results not posted in channel %s (%s)", poll_id, poll.channel_id, exc.reason)
                else:
                    await self.scheduler.complete(f"poll:{poll_id}:chart", message_id)
        if poll.series_id is not None:
            await self._next_occurrence(poll)
        await store.mark_finalized(self.db, poll_id, self.clock.now())

    async def _next_occurrence(self, poll: Poll) -> int | None:
        series = await store.get_series(self.db, poll.series_id)  # type: ignore[arg-type]
        if series is None or not series["active"]:
            return None
        now = self.clock.now()
        occurrence = next_occurrence(
            series["rrule"], series["timezone"], datetime.fromisoformat(series["local_opens"]),
            datetime.fromisoformat(series["local_closes"]), after=poll.opens_at, now=now,
        )
        if occurrence is None:
            return None
        spec = PollSpec(
            guild_id=series["guild_id"], channel_id=series["channel_id"], creator_id=series["creator_id"],
            question=series["question"], description=series["description"], choices=load_choices(series["choices"]),
            anonymous=bool(series["anonymous"]), max_choices=series["max_choices"],
            show_results=series["show_results"], opens_at=occurrence.opens_at, closes_at=occurrence.closes_at,
            repeat=series["repeat"], timezone=series["timezone"],
        )
        threshold = (await self.ctx.club.get(spec.guild_id)).anonymity_threshold
        poll_id = await store.insert_poll(
            self.db, spec, status="scheduled", series_id=poll.series_id, now=now, threshold=threshold
        )
        if poll_id is not None:
            self.scheduler.arm(KIND_OPEN, str(poll_id), occurrence.opens_at)
        return poll_id

    # --- moderators -------------------------------------------------------------------

    async def _poll_for(self, guild_id: int, poll_id: int) -> Poll:
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.guild_id != guild_id:
            raise NotFound("polls.error.not_found", field="polls.poll", poll=poll_id)
        return poll

    async def close(
        self, guild_id: int, actor_id: int, poll_id: int, *, manage_guild: bool, role_ids: list[int],
        stop_repeating: bool = False,
    ) -> Poll:
        """Close an open poll now: final results, chart, next occurrence (unless
        ``stop_repeating``). Raises ``Forbidden``, ``NotFound`` (field ``polls.poll``) or
        ``Conflict`` (``already_closed``, ``close_scheduled``, ``close_cancelled``)."""
        await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        poll = await self._poll_for(guild_id, poll_id)
        if poll.status == "scheduled":
            raise Conflict("polls.error.close_scheduled", poll=poll_id)
        if poll.status == "cancelled":
            raise Conflict("polls.error.close_cancelled", poll=poll_id)
        if poll.status == "closed" and poll.finalized_at is not None:
            raise Conflict("polls.error.already_closed", poll=poll_id)
        if stop_repeating and poll.series_id is not None:
            await store.deactivate_series(self.db, poll.series_id)
        if poll.status == "open":
            if not await store.mark_closed(self.db, poll_id, self.clock.now()):
                raise Conflict("polls.error.already_closed", poll=poll_id)
        self.scheduler.disarm(KIND_CLOSE, str(poll_id))
        await self._finalize(poll_id)
        await self.ctx.club.audit(guild_id, actor_id, "polls.close", f"poll #{poll_id}")
        return await self._get(poll_id)

    async def cancel(self, guild_id: int, actor_id: int, poll_id: int, *, manage_guild: bool, role_ids: list[int]) -> Poll:
        """Cancel a scheduled poll (its message, if posted, says so; its series ends).
        Raises ``Forbidden``, ``NotFound`` or ``Conflict('polls.error.cancel_not_scheduled')``."""
        await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        poll = await self._poll_for(guild_id, poll_id)
        if poll.status != "scheduled" or not await store.mark_cancelled(self.db, poll_id):
            raise Conflict("polls.error.cancel_not_scheduled", poll=poll_id)
        self.scheduler.disarm(KIND_OPEN, str(poll_id))
        if poll.series_id is not None:
            await store.deactivate_series(self.db, poll.series_id)
        poll = await self._get(poll_id)
        if poll.message_id is not None:
            await self._edit(poll)
        await self.ctx.club.audit(guild_id, actor_id, "polls.cancel", f"poll #{poll_id}")
        return poll

    async def results(
        self, guild_id: int, poll_id: int, *, manage_guild: bool, role_ids: list[int], locale: str
    ) -> OutMessage:
        """The results with chart, for an ephemeral reply to a moderator. Raises
        ``Conflict('polls.error.results_hidden')`` for a public ``after_close`` poll not
        closed yet, ``Conflict('polls.error.below_threshold')`` for an anonymous poll not
        closed yet. An anonymous poll closed below its threshold gives the number of
        voters only, saying the counts are hidden (no chart)."""
        await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        poll = await self._poll_for(guild_id, poll_id)
        tally, show, threshold = await self._check_visible(poll)
        return await self._results_message(poll, tally, locale, show_counts=show, threshold=threshold)

    async def _check_visible(self, poll: Poll) -> tuple[Tally, bool, int]:
        """``(tally, counts visible, threshold)`` under the message's own rule
        (:func:`~bot.polls.render.counts_visible`), so ``/poll results`` and the export
        never show more than the poll message. Raises ``Conflict`` while a public
        ``after_close`` poll (``results_hidden``) or an anonymous poll (``below_threshold``)
        is not closed: repeated ``/poll results`` on an open anonymous poll would time single votes."""
        if not poll.anonymous and poll.show_results == "after_close" and poll.status != "closed":
            raise Conflict("polls.error.results_hidden", poll=poll.id, closes=to_ts(poll.closes_at))
        tally = await store.tally(self.db, poll.id, len(poll.choices))
        threshold = await self._threshold(poll)
        if poll.anonymous and poll.status != "closed":
            raise Conflict("polls.error.below_threshold", poll=poll.id, threshold=threshold, count=tally.voters)
        return tally, render.counts_visible(poll, tally, threshold), threshold

    async def _threshold(self, poll: Poll) -> int:
        """The poll's anonymity threshold: the higher of its own and the club's current one."""
        return render.effective_threshold(poll, (await self.ctx.club.get(poll.guild_id)).anonymity_threshold)

    async def export(
        self, guild_id: int, actor_id: int, poll_id: int, *, manage_guild: bool, role_ids: list[int]
    ) -> tuple[File, int]:
        """CSV of a poll: ``(file, data rows)``. Public poll: one row per vote
        ``voter_id, choice_number, choice, voted_at_utc``; anonymous poll: counts only
        ``choice_number, choice, votes`` (no voter column: docs/anonymity.md, "Logs and exports"). Every cell goes
        through :func:`~bot.anonymity.csv_safe`. Same visibility rules as :meth:`results`."""
        await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        poll = await self._poll_for(guild_id, poll_id)
        tally, show, threshold = await self._check_visible(poll)
        if not show and poll.anonymous:
            raise Conflict("polls.error.hidden_below_threshold", poll=poll.id, threshold=threshold, count=tally.voters)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        rows = 0
        if poll.anonymous:
            writer.writerow(["choice_number", "choice", "votes"])
            for position, choice in enumerate(poll.choices, start=1):
                writer.writerow([position, anonymity.csv_safe(choice), tally.counts[position - 1]])
                rows += 1
        else:
            writer.writerow(["voter_id", "choice_number", "choice", "voted_at_utc"])
            for voter, position, voted_at in await store.public_votes(self.db, poll_id):
                when = "" if voted_at is None else from_ts(voted_at).isoformat()
                writer.writerow([anonymity.csv_safe(voter), position, anonymity.csv_safe(poll.choices[position - 1]), when])
                rows += 1
        await self.ctx.club.audit(guild_id, actor_id, "polls.export", f"poll #{poll_id}")
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets read UTF-8 right
        return File(f"poll-{poll_id}.csv", data), rows

    async def listing(self, guild_id: int, *, manage_guild: bool, role_ids: list[int]) -> list[Poll]:
        """Moderators' ``/poll list``: open, scheduled and closed in the last 30 days (≤ 25 each)."""
        await self.ctx.club.require_moderator(Actor(0, guild_id, manage_guild=manage_guild, role_ids=tuple(role_ids)))
        since = self.clock.now() - RECENTLY_CLOSED
        result = []
        for status in ("open", "scheduled", "closed"):
            result += await store.list_polls(self.db, guild_id, (status,), closed_since=since)
        return result

    async def open_polls(self, guild_id: int) -> list[Poll]:
        """Members' ``/polls``: the open polls of the guild (≤ 25)."""
        return await store.list_polls(self.db, guild_id, ("open",))

    async def autocomplete(self, guild_id: int, query: str, action: str, locale: str) -> list[tuple[str, int]]:
        """``(label, poll_id)`` suggestions (≤ 25) for ``action``: ``close`` (open polls),
        ``cancel`` (scheduled), ``results``/``export`` (open and closed)."""
        statuses = {"close": ("open",), "cancel": ("scheduled",)}.get(action, ("open", "closed"))
        polls = await store.search_polls(self.db, guild_id, statuses, query)
        return [(render.autocomplete_label(p, locale), p.id) for p in polls]

    # --- helpers ----------------------------------------------------------------------

    async def _get(self, poll_id: int) -> Poll:
        poll = await store.get_poll(self.db, poll_id)
        if poll is None:
            raise NotFound("polls.error.gone")
        return poll

    async def get(self, poll_id: int) -> Poll | None:
        """A poll by id, or ``None``."""
        return await store.get_poll(self.db, poll_id)

    async def tally(self, poll_id: int) -> Tally:
        """Counts of a poll straight from the votes table."""
        poll = await self._get(poll_id)
        return await store.tally(self.db, poll_id, len(poll.choices))

    async def _poll_message(self, poll: Poll, tally: Tally | None = None) -> OutMessage:
        club = await self.ctx.club.get(poll.guild_id)
        if tally is None:
            tally = await store.tally(self.db, poll.id, len(poll.choices))
        return render.poll_message(poll, tally, club.locale, render.effective_threshold(poll, club.anonymity_threshold))

    async def _edit(self, poll: Poll, tally: Tally | None = None) -> None:
        if poll.message_id is None:
            return
        try:
            await self.port.edit_message(poll.channel_id, poll.message_id, await self._poll_message(poll, tally))
        except DeliveryError as exc:
            log.warning("poll %s: message edit failed (%s)", poll.id, exc.reason)

    async def _results_message(
        self, poll: Poll, tally: Tally, locale: str, *, show_counts: bool | None = None, threshold: int | None = None
    ) -> OutMessage:
        if threshold is None:
            threshold = await self._threshold(poll)
        if show_counts is None:
            show_counts = render.counts_visible(poll, tally, threshold)
        chart = None
        if show_counts:
            chart = await asyncio.to_thread(
                render_chart, poll.question, poll.choices, tally.counts, axis_label=t(locale, "polls.msg.votes_axis")
            )
        return render.results_message(poll, tally, locale, chart, show_counts=show_counts, threshold=threshold)

    async def _checkpoint(self) -> None:
        """Best effort: fold the WAL into the database file and truncate it, so the voter
        keys a seal just replaced do not linger in the WAL (docs/anonymity.md, "Anonymous polls sealed at the close")."""
        try:
            await self.db.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as exc:  # a busy reader only delays it to SQLite's next checkpoint
            log.info("WAL checkpoint after a poll seal did not complete (%s)", type(exc).__name__)


Service = PollService


def build(ctx: AppContext) -> Feature[PollService]:
    """The polls feature for one process: its service with its jobs registered."""
    service = PollService(ctx)
    return Feature(service, service.register_jobs())
