"""Use-cases that create polls and open them on time: ``/poll create`` (its options, then
its form), ``/poll cancel`` of a scheduled poll, and the ``polls.open`` job.

A poll opens now (its message posted, its close armed) or at a later ``opens_at`` (its
message posted at once as "opens …", the open armed). A ``repeat`` also stores the series:
local wall-clock times + the club's zone + an RFC 5545 rule (docs/architecture.md, "Time").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.actor import Actor, use_case
from bot.clock import utc_to_local
from bot.club.rules import ClubSettings
from bot.errors import Conflict, InvalidInput
from bot.polls import store
from bot.polls.base import KIND_CLOSE, KIND_OPEN, PollsBase
from bot.polls.rules import (
    DEFAULT_DURATION,
    REPEATS,
    SHOW_RESULTS,
    Poll,
    PollSpec,
    Repeat,
    ShowResults,
    check_max_choices,
    check_window,
    clean_description,
    clean_question,
    parse_choices,
)
from bot.ports import DeliveryError
from bot.recurrence import rule_for
from bot.timeparse import is_duration, parse_duration, parse_future_instant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollDraft:
    """The options of ``/poll create`` once checked, waiting for the modal's text.

    ``opens_at`` is ``None`` for "now"; ``closes_text`` is kept so a duration such as
    ``48h`` counts from the actual opening; ``locale`` is the language it is read in (the
    moderator's, else the club's: :meth:`bot.actor.Actor.reads`).
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


class Creating(PollsBase):
    """``prepare``, ``create``, ``cancel``, ``create_open_polls`` and the ``polls.open`` job."""

    async def _load_opens(self) -> list[tuple[str, datetime]]:
        """At start: every scheduled poll at its opening."""
        return [(str(due.poll_id), due.when) for due in await store.due_opens(self.db)]

    @use_case("moderator")
    async def prepare(
        self,
        actor: Actor,
        *,
        channel_id: int | None = None,
        anonymous: bool = True,
        max_choices: int = 1,
        opens: str | None = None,
        closes: str | None = None,
        show_results: str = "live",
        repeat: str = "none",
    ) -> PollDraft:
        """Check the options of ``/poll create`` by ``actor`` before the modal opens.

        ``opens``/``closes`` are typed in the club's language and zone (``closes`` may be a
        duration from the opening; default 7 days). Raises ``Forbidden`` (not a moderator)
        or ``InvalidInput`` naming the field: ``polls.channel`` (none / cannot post),
        ``polls.max_choices`` (1–20), ``polls.opens``/``polls.closes`` (unreadable, past,
        close before open, > 366 days, recurring window longer than the period, out of
        datetime's range), ``polls.show_results``/``polls.repeat`` (unknown value).
        """
        club = await self.ctx.club.get(actor.guild())
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
            opens_at = parse_future_instant(
                opens, field="polls.opens", zone=club.timezone, locale=actor.reads(club.locale), now=now,
                month_first=actor.month_first,
            )
        start = opens_at or now
        closes_text = closes.strip() if closes and closes.strip() else None
        try:
            closes_at = _closes(closes_text, start, club, now, locale=actor.reads(club.locale), month_first=actor.month_first)
            if repeat != "none":  # the series is stored in local time: the zone shift must fit too
                utc_to_local(start, club.timezone), utc_to_local(closes_at, club.timezone)
        except OverflowError:  # e.g. opens "9999-12-31 23:59" + the default 7 days
            field, value = ("polls.closes", closes_text) if closes_text else ("polls.opens", opens or "")
            raise InvalidInput("polls.error.out_of_range", field=field, value=value.strip()[:50]) from None
        check_window(start, closes_at, repeat)
        return PollDraft(
            guild_id=club.guild_id, creator_id=actor.user_id, channel_id=channel, anonymous=anonymous,
            max_choices=max_choices, opens_at=opens_at, closes_at=closes_at, closes_text=closes_text,
            show_results=show_results, repeat=repeat, timezone=club.timezone, locale=actor.reads(club.locale),
        )

    @use_case("moderator")
    async def create(
        self, actor: Actor, draft: PollDraft, *, question: str, choices: str, description: str | None = None
    ) -> Poll:
        """Create the poll of ``draft`` (from :meth:`prepare`) with the modal's text;
        returns it as stored.

        Opens now (message posted, close armed) or, with a future ``opens``, posts the
        message as "opens …" and arms the open. A ``repeat`` also stores the series. Raises
        ``Forbidden`` (not a moderator), ``InvalidInput`` naming ``polls.question``,
        ``polls.choices``, ``polls.description``, ``polls.max_choices`` (more than the
        choices) or ``polls.closes`` (now past), or ``polls.channel`` when the post fails
        (nothing is kept then).
        """
        now = self.clock.now()
        spec = _spec(draft, now, question=question, choices=choices, description=description)
        series_id = None
        local_opens = utc_to_local(spec.opens_at, draft.timezone)
        rule = rule_for(draft.repeat, local_opens, field="polls.repeat")
        if rule is not None:  # None: the poll does not repeat
            series_id = await store.insert_series(
                self.db, spec, rule=rule, local_opens=local_opens,
                local_closes=utc_to_local(spec.closes_at, draft.timezone), now=now,
            )
        status = "open" if spec.opens_at <= now else "scheduled"
        threshold = (await self.ctx.club.get(draft.guild_id)).anonymity_threshold
        poll_id = await store.insert_poll(self.db, spec, status=status, series_id=series_id, now=now, threshold=threshold)
        assert poll_id is not None  # only a series occurrence can already exist
        if status == "open":
            await store.set_opened(self.db, poll_id, now)
        await self._post_new(await self._get(poll_id))
        if status == "open":
            self.scheduler.arm(KIND_CLOSE, str(poll_id), spec.closes_at)
        else:
            self.scheduler.arm(KIND_OPEN, str(poll_id), spec.opens_at)
        await self.ctx.club.audit(
            draft.guild_id, draft.creator_id, "polls.create",
            f"poll #{poll_id} in <#{spec.channel_id}> ({'anonymous' if draft.anonymous else 'public'}, "
            f"{draft.show_results}, repeat {draft.repeat})",
        )
        return await self._get(poll_id)

    async def _post_new(self, poll: Poll) -> None:
        """Post a new poll's message and record it (claim ``poll:<id>:post`` completed);
        if the post fails, the poll and its series are deleted and ``InvalidInput``
        naming ``polls.channel`` raised."""
        try:
            message_id = await self.port.send_message(poll.channel_id, await self._poll_message(poll))
        except DeliveryError:
            await store.discard_unposted(self.db, poll.id, poll.series_id)
            raise InvalidInput(
                "polls.error.cannot_post", field="polls.channel", channel=f"<#{poll.channel_id}>"
            ) from None
        await store.set_message(self.db, poll.id, message_id)
        await self.scheduler.claim(f"poll:{poll.id}:post", poll.guild_id)
        await self.scheduler.complete(f"poll:{poll.id}:post", message_id)

    @use_case("system")
    async def create_open_polls(self, actor: Actor, specs: list[PollSpec]) -> list[int]:
        """Store many already-open polls without posting them (benchmarks of start-up
        re-arming: ``actor`` is :meth:`Actor.scheduler`); arms their close. Returns their ids."""
        now = self.clock.now()
        ids = []
        for spec in specs:
            poll_id = await store.insert_poll(self.db, spec, status="open", series_id=None, now=now)
            assert poll_id is not None
            ids.append(poll_id)
            self.scheduler.arm(KIND_CLOSE, str(poll_id), spec.closes_at)
        return ids

    @use_case("moderator")
    async def cancel(self, actor: Actor, poll_id: int) -> Poll:
        """Cancel scheduled poll ``poll_id`` of ``actor``'s guild (its message, if posted,
        says so; its series ends). Raises ``Forbidden``, ``NotFound`` (field
        ``polls.poll``) or ``Conflict('polls.error.cancel_not_scheduled')``."""
        poll = await self._poll_for(actor.guild(), poll_id)
        if poll.status != "scheduled" or not await store.mark_cancelled(self.db, poll_id):
            raise Conflict("polls.error.cancel_not_scheduled", poll=poll_id)
        self.scheduler.disarm(KIND_OPEN, str(poll_id))
        if poll.series_id is not None:
            await store.deactivate_series(self.db, poll.series_id)
        poll = await self._get(poll_id)
        if poll.message_id is not None:
            await self._edit(poll)
        await self.ctx.club.audit(poll.guild_id, actor.user_id, "polls.cancel", f"poll #{poll_id}")
        return poll

    async def _job_open(self, ref: str) -> None:
        """``polls.open``: open scheduled poll ``ref`` if its time has come (idempotent;
        re-armed if not yet), post or update its message (once: the effect
        ``poll:<id>:post``, finished at the next start if interrupted) and arm its close."""
        poll_id = int(ref)
        poll = await store.get_poll(self.db, poll_id)
        if poll is None or poll.status not in ("scheduled", "open"):
            return
        now = self.clock.now()
        if poll.opens_at > now:
            self.scheduler.arm(KIND_OPEN, ref, poll.opens_at)
            return
        if poll.status == "open" and poll.message_id is not None:
            return
        if poll.status == "scheduled" and not await store.mark_open(self.db, poll_id, now):
            return
        poll = await self._get(poll_id)
        if poll.message_id is None:
            async with self.scheduler.effect(f"poll:{poll_id}:post", poll.guild_id) as effect:
                if effect is not None:
                    try:
                        message_id = await effect.post(self.port, poll.channel_id, await self._poll_message(poll))
                    except DeliveryError as exc:
                        log.warning("poll %s: could not post in channel %s (%s)", poll_id, poll.channel_id, exc.reason)
                    else:
                        await store.set_message(self.db, poll_id, message_id)
                        await effect.complete(message_id)
        else:
            await self._edit(poll)
        self.scheduler.arm(KIND_CLOSE, ref, poll.closes_at)


def _closes(
    text: str | None, start: datetime, club: ClubSettings, now: datetime, *, locale: str, month_first: bool = False
) -> datetime:
    """The closing instant typed as ``text`` (default 7 days after ``start``; a duration
    counts from ``start``); raises ``OverflowError`` when it falls outside datetime's range."""
    if text is None:
        return start + DEFAULT_DURATION
    if is_duration(text, locale):
        return start + parse_duration(text, field="polls.closes", locale=locale, base=start)
    return parse_future_instant(
        text, field="polls.closes", zone=club.timezone, locale=locale, now=now, month_first=month_first
    )


def _spec(draft: PollDraft, now: datetime, *, question: str, choices: str, description: str | None) -> PollSpec:
    """The checked poll of ``draft`` with the modal's text at ``now``: an opening already
    past opens now, a duration close counts from the actual opening. Raises
    ``InvalidInput`` (see :meth:`Creating.create`)."""
    spec_question = clean_question(question)
    spec_choices = parse_choices(choices)
    spec_description = clean_description(description)
    check_max_choices(draft.max_choices, len(spec_choices))
    opens_at = draft.opens_at if draft.opens_at and draft.opens_at > now else now
    closes_at = draft.closes_at
    if draft.opens_at is None and draft.closes_text and is_duration(draft.closes_text, draft.locale):
        closes_at = now + parse_duration(draft.closes_text, field="polls.closes", locale=draft.locale, base=now)
    if closes_at <= now:
        raise InvalidInput("error.time_in_past", field="polls.closes")
    check_window(opens_at, closes_at, draft.repeat)
    return PollSpec(
        guild_id=draft.guild_id, channel_id=draft.channel_id, creator_id=draft.creator_id,
        question=spec_question, description=spec_description, choices=spec_choices,
        anonymous=draft.anonymous, max_choices=draft.max_choices, show_results=draft.show_results,
        opens_at=opens_at, closes_at=closes_at, repeat=draft.repeat, timezone=draft.timezone,
    )
