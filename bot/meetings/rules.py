"""Pure rules of meetings: recurrence in local wall-clock time, limits, reminders, ranking.

No I/O here. A series is a local wall-clock start (``datetime`` without tzinfo) in an IANA
zone plus an RFC 5545 rule (``dateutil.rrule``); each occurrence is expanded in local
time and only then turned into a UTC instant, so a quarterly meeting at 18:00
Europe/Paris stays at 18:00 Paris time across daylight-saving changes (docs/architecture.md, "Time").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast

from bot.clock import utc_to_local
from bot.errors import Conflict, InvalidInput, check_length
from bot.recurrence import ANCHORS, Anchor, anchor_of, rule_for
from bot.timeparse import EARLIEST, LATEST, parse_duration, parse_future_instant

Repeat = Literal["none", "weekly", "monthly", "quarterly", "semiannual", "yearly"]
RsvpStatus = Literal["going", "maybe", "no"]
OccurrenceStatus = Literal["scheduled", "started", "ended", "cancelled"]

REPEATS: tuple[Repeat, ...] = ("none", "weekly", "monthly", "quarterly", "semiannual", "yearly")
RSVP_STATUSES: tuple[RsvpStatus, ...] = ("going", "maybe", "no")
Scope = Literal["occurrence", "series"]
SCOPES: tuple[Scope, ...] = ("occurrence", "series")

NOTICE_AUDIENCE: tuple[RsvpStatus, ...] = ("going", "maybe")
"""Who gets a DM when a meeting moves or is cancelled: the members who said they may come."""

#: Discord's own recurring events cannot express quarterly or semiannual rules
#: (docs/architecture.md, "Discord facts"), so every occurrence of a series is mirrored as
#: a one-off scheduled event; the rule itself comes from :func:`bot.recurrence.rule_for`.

# Limits (characters). Discord: thread name 100, scheduled event name 100 / description
# 1000 / external location 100, embed title 256, embed description 4096 (the agenda shares
# the 6000 total with the other fields). The database keeps the whole text; screens shorten.
TITLE_MAX = 200
AGENDA_MAX = 3000
LOCATION_MAX = 100
TOPIC_MAX = 500
THREAD_NAME_MAX = 100
EVENT_NAME_MAX = 100
EVENT_DESCRIPTION_MAX = 1000
CHOICE_NAME_MAX = 100

# Design decisions: a meeting lasts 5 minutes to 3 days; at most 5 reminders, each at most
# 30 days before the start; the thread is archived one day after the end.
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(days=3)
DEFAULT_DURATION = timedelta(hours=1)
MAX_REMINDERS = 5
MAX_REMINDER_OFFSET = timedelta(days=30)
DEFAULT_REMINDERS = "24h,1h"
ARCHIVE_AFTER = timedelta(days=1)
NO_REMINDERS = {"none", "no", "0", "aucun", "aucune", "non", "-"}

_CHANNEL = re.compile(r"^\s*<#(\d{15,22})>\s*$|^\s*(\d{15,22})\s*$")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class Location:
    """Where a meeting happens: free ``text`` (URL or address) or a voice ``channel_id``."""

    text: str = ""
    channel_id: int | None = None

    def display(self) -> str:
        """How members see it: ``<#id>`` for a channel, else the text (may be empty)."""
        return f"<#{self.channel_id}>" if self.channel_id else self.text


def parse_location(value: str | None) -> Location:
    """``"<#123…>"`` or a bare snowflake → a channel; other text → free text (≤ 100 chars,
    Discord's external event location limit). Raises ``InvalidInput`` (field ``location``)."""
    text = " ".join((value or "").split())
    if not text:
        return Location()
    match = _CHANNEL.match(text)
    if match:
        return Location(channel_id=int(match.group(1) or match.group(2)))
    return Location(text=check_length("meetings.location", text, LOCATION_MAX))


MAX_ID = 2**63 - 1
"""SQLite's largest INTEGER: a bigger id typed in an option would overflow the query."""


def parse_id(value: object) -> int | None:
    """A row id typed or carried in a custom id (``"12"``) → ``int``, or ``None`` when it is
    not a whole number between 1 and :data:`MAX_ID` (``"99999999999999999999999"``, ``"-1"``, ``"1e3"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_start(
    text: str, *, zone: str, locale: str, now: datetime, field: str = "meetings.starts", month_first: bool = False
) -> datetime:
    """A meeting's start typed in the club's zone and language → UTC instant to the minute,
    after ``now`` and between 2000 and 2200 (the range the time parser accepts): far enough
    from ``datetime``'s limits that start + duration, reminders and the archive delay never
    overflow. Raises ``InvalidInput`` naming ``field`` (``error.bad_time``, ``error.time_in_past``)."""
    bad = InvalidInput("error.bad_time", field=field, value=(text or "").strip()[:50])
    try:
        instant = parse_future_instant(
            text, field=field, zone=zone, locale=locale, now=now, month_first=month_first
        ).replace(second=0)
    except OverflowError:  # date arithmetic past year 1 or 9999
        raise bad from None
    if not EARLIEST <= instant <= LATEST:
        raise bad
    return instant


def validate_title(value: str | None) -> str:
    """The title stripped, 1–200 chars; raises ``InvalidInput`` (field ``title``)."""
    return check_length("meetings.title", value or "", TITLE_MAX)


def validate_agenda(value: str | None) -> str:
    """The agenda stripped, 0–3000 chars; raises ``InvalidInput`` (field ``agenda``)."""
    return check_length("meetings.agenda", value or "", AGENDA_MAX, minimum=0)


def validate_topic(value: str | None) -> str:
    """A proposed topic, 1–500 chars; raises ``InvalidInput`` (field ``topic``)."""
    return check_length("meetings.topic", value or "", TOPIC_MAX)


def validate_repeat(value: str | None) -> Repeat:
    """One of :data:`REPEATS` (default ``none``); raises ``InvalidInput`` (field ``repeat``)."""
    name = (value or "none").strip().lower()
    if name not in REPEATS:
        raise InvalidInput("meetings.error.repeat", field="meetings.repeat", choices=", ".join(REPEATS))
    return name


def validate_anchor(value: str | None) -> Anchor:
    """One of :data:`bot.recurrence.ANCHORS` (default ``date``); raises ``InvalidInput``
    (field ``repeat_on``)."""
    name = (value or "date").strip().lower()
    if name not in ANCHORS:
        raise InvalidInput("meetings.error.repeat", field="meetings.repeat_on", choices=", ".join(ANCHORS))
    return cast(Anchor, name)


def validate_duration(delta: timedelta) -> timedelta:
    """A duration between 5 minutes and 3 days; raises ``InvalidInput`` (field ``duration``)."""
    if delta < MIN_DURATION or delta > MAX_DURATION:
        raise InvalidInput("meetings.error.duration", field="meetings.duration", minimum=5, maximum=3)
    return delta


def validate_reminder_offsets(offsets: Iterable[timedelta]) -> tuple[int, ...]:
    """Offsets → distinct seconds, largest first; at most 5, each 1 minute–30 days.

    Raises ``InvalidInput`` (field ``reminders``).
    """
    seconds = sorted({int(o.total_seconds()) for o in offsets}, reverse=True)
    if len(seconds) > MAX_REMINDERS:
        raise InvalidInput("meetings.error.too_many_reminders", field="meetings.reminders", limit=MAX_REMINDERS)
    for value in seconds:
        if value < 60 or value > MAX_REMINDER_OFFSET.total_seconds():
            raise InvalidInput("meetings.error.reminder_range", field="meetings.reminders", max_days=MAX_REMINDER_OFFSET.days)
    return tuple(seconds)


def split_reminders(value: str | None) -> list[str] | None:
    """``"24h, 1h"`` → ``["24h", "1h"]``; ``None`` for the default; ``[]`` for "none"/"aucun"."""
    if value is None or not value.strip():
        return None
    if value.strip().lower() in NO_REMINDERS:
        return []
    return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]


def format_offset(seconds: int, locale: str = "en") -> str:
    """``86400`` → ``24h``; ``5400`` → ``1h30``; ``900`` → ``15 min``; ``172800`` → ``2 days``/``2 jours``."""
    if seconds % 86400 == 0 and seconds >= 172800:
        days = seconds // 86400
        return f"{days} {'jours' if locale == 'fr' else 'days'}"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours}h{minutes:02d}"
    if hours:
        return f"{hours}h"
    return f"{minutes} min"


# --- time -------------------------------------------------------------------------------


def to_local(instant: datetime, zone: str) -> datetime:
    """A UTC-aware instant → naive local wall-clock time in ``zone`` (to the minute, as stored)."""
    return utc_to_local(instant, zone).replace(second=0, microsecond=0)


def format_local(local: datetime) -> str:
    """Naive local time → ``YYYY-MM-DDTHH:MM`` (the stored form)."""
    return local.strftime(LOCAL_FORMAT)


def parse_local(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` → naive local datetime."""
    return datetime.strptime(text, LOCAL_FORMAT)


# --- lifecycle ---------------------------------------------------------------------------
# An occurrence is scheduled, then started, then ended; or cancelled while scheduled.


def require_scheduled(status: str) -> None:
    """An edit, a cancel or a Remind me toggle needs a scheduled occurrence; raises
    ``Conflict('meetings.error.closed_<status>')``."""
    if status != "scheduled":
        raise Conflict(f"meetings.error.closed_{status}")


def require_rsvp_open(status: str, starts_at: datetime, now: datetime) -> None:
    """Answers are taken until the start (UTC ``starts_at``); raises ``Conflict`` naming
    why not (started, ended, cancelled)."""
    require_scheduled(status)
    if now >= starts_at:
        raise Conflict("meetings.error.closed_started")


def require_topics_open(status: str) -> None:
    """Topics may be proposed until the meeting ends; raises ``Conflict`` after."""
    if status not in ("scheduled", "started"):
        raise Conflict(f"meetings.error.closed_{status}")


def require_votes_open(status: str) -> None:
    """Topic votes count until the meeting ends or is cancelled; raises ``Conflict`` after."""
    if status in ("ended", "cancelled"):
        raise Conflict(f"meetings.error.closed_{status}")


# --- RSVP and topics ---------------------------------------------------------------------


@dataclass(frozen=True)
class RsvpCounts:
    """How many members answered each way."""

    going: int = 0
    maybe: int = 0
    no: int = 0


def count_rsvps(statuses: Iterable[str]) -> RsvpCounts:
    """Count ``going``/``maybe``/``no`` statuses."""
    values = list(statuses)
    return RsvpCounts(values.count("going"), values.count("maybe"), values.count("no"))


@dataclass(frozen=True)
class RankedTopic:
    """A proposed topic with its ``votes``; ``rank`` starts at 1."""

    rank: int
    topic_id: int
    text: str
    author_id: int
    votes: int
    created_at: int


def rank_topics(topics: Iterable[tuple[int, str, int, int, int]]) -> list[RankedTopic]:
    """``(topic_id, text, author_id, votes, created_at)`` → ranked by votes, then oldest first.

    Equal votes share a rank (1, 2, 2, 4).
    """
    ordered = sorted(topics, key=lambda t: (-t[3], t[4], t[0]))
    ranked: list[RankedTopic] = []
    for index, (tid, text, author, votes, created) in enumerate(ordered):
        rank = ranked[-1].rank if ranked and ranked[-1].votes == votes else index + 1
        ranked.append(RankedTopic(rank, tid, text, author, votes, created))
    return ranked


@dataclass(frozen=True)
class ReminderDecision:
    """What to do with a due reminder: ``send`` it (``late`` with a note) or drop it."""

    send: bool
    late: bool = False


#: A reminder counts as on time up to this long after its instant (scheduler jitter).
ON_TIME_GRACE = timedelta(minutes=2)


def reminder_decision(now: datetime, due: datetime, starts_at: datetime) -> ReminderDecision:
    """Catch-up policy (docs/architecture.md, "Scheduler"): a reminder missed during downtime is sent late
    with a note if the meeting has not started yet, and dropped otherwise."""
    if now >= starts_at:
        return ReminderDecision(send=False)
    return ReminderDecision(send=True, late=now - due > ON_TIME_GRACE)


def reminder_key(occurrence_id: int, starts_at: datetime, offset_s: int) -> str:
    """Idempotency key of one reminder: ``meetings:{occurrence}:reminder:{offset}``.

    The occurrence part includes its start instant, so a meeting moved to another time
    gets its reminders again (reminders are re-armed), while one time sends once.
    """
    return f"meetings:{occurrence_id}@{int(starts_at.timestamp())}:reminder:{offset_s}"


def start_key(occurrence_id: int, starts_at: datetime) -> str:
    """Idempotency key of the "starting now" message."""
    return f"meetings:{occurrence_id}@{int(starts_at.timestamp())}:start"


def end_key(occurrence_id: int) -> str:
    """Idempotency key of the closing message and post-meeting survey."""
    return f"meetings:{occurrence_id}:end"


def archive_key(occurrence_id: int) -> str:
    """Idempotency key of the thread's archiving."""
    return f"meetings:{occurrence_id}:archive"


def announce_key(series_id: int, recurrence_local: str) -> str:
    """Idempotency key of the announcement of one occurrence of a series."""
    return f"meetings:series:{series_id}:announce:{recurrence_local}"


# --- editing -----------------------------------------------------------------------------


def validate_scope(value: str) -> Scope:
    """``occurrence`` (this one only) or ``series`` (the series from this one on); raises
    ``InvalidInput`` (field ``scope``)."""
    if value not in SCOPES:
        raise InvalidInput("meetings.error.scope", field="meetings.scope")
    return cast(Scope, value)


class Slot(Protocol):
    """What an edit reads of a stored occurrence (:class:`bot.meetings.store.Occurrence`):
    its UTC ``starts_at`` / ``ends_at``, length in seconds, ``title``, its series'
    ``repeat``, RFC 5545 ``rrule`` and IANA ``timezone``."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def duration_s(self) -> int: ...

    @property
    def title(self) -> str: ...

    @property
    def repeat(self) -> str: ...

    @property
    def rrule(self) -> str | None: ...

    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class EditRequest:
    """What a moderator typed in ``/meeting edit`` (``None`` or blank: unchanged; an
    ``agenda`` of ``""`` clears it) and its ``scope``, with the club's IANA ``zone`` and
    ``locale`` the start and duration are read in (``month_first``: the moderator's numeric
    dates are month first, Discord locale en-US)."""

    zone: str
    locale: str
    starts: str | None = None
    month_first: bool = False
    duration: str | None = None
    location: str | None = None
    title: str | None = None
    agenda: str | None = None
    scope: Scope = "occurrence"


@dataclass(frozen=True)
class TextChanges:
    """A new ``title``, ``agenda`` and ``location`` (each ``None``: unchanged)."""

    title: str | None = None
    agenda: str | None = None
    location: Location | None = None

    def names(self) -> list[str]:
        """The changed fields, in the order members read them: location, title, agenda."""
        values = (("location", self.location), ("title", self.title), ("agenda", self.agenda))
        return [name for name, value in values if value is not None]


@dataclass(frozen=True)
class OccurrenceEdit:
    """What one stored occurrence gets: ``text``, new UTC ``starts_at`` / ``ends_at`` and
    ``recurrence_local`` (``None``: unchanged), and what follows: ``rearm`` its jobs (its
    times changed), ``reset_reminders`` (its start moved: they are sent again),
    ``rename_thread`` (its title changed)."""

    text: TextChanges
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    recurrence_local: str | None = None
    rearm: bool = False
    reset_reminders: bool = False
    rename_thread: bool = False


@dataclass(frozen=True)
class SeriesEdit:
    """What the series row gets (scope ``series``): ``text``, ``duration_s`` of the later
    occurrences (seconds), the rule's new ``local_start`` and the ``rrule`` made for it
    (``None``: unchanged)."""

    text: TextChanges
    duration_s: int | None = None
    local_start: str | None = None
    rrule: str | None = None

    def empty(self) -> bool:
        """``True`` when the series row keeps every value."""
        return not self.text.names() and self.duration_s is None and self.local_start is None


Notice = Literal["moved", "updated"]
"""What the thread is told after an edit: ``moved`` (and :data:`NOTICE_AUDIENCE` by DM)
or ``updated`` (which fields)."""


@dataclass(frozen=True)
class EditPlan:
    """The decision of one edit (:func:`plan_edit`): the new ``text``, the edited
    occurrence's new UTC ``starts_at`` and length (``duration_s``, seconds), whether a
    duration was typed (with scope ``series`` it becomes the later occurrences' too) and,
    when a recurring series moves, the rule's new ``local_start``."""

    scope: Scope
    text: TextChanges
    starts_at: datetime
    duration_s: int
    moved: bool
    resized: bool
    duration_typed: bool
    local_start: str | None = None
    rrule: str | None = None

    @property
    def changed(self) -> list[str]:
        """The changed fields: ``starts``, ``duration``, then :meth:`TextChanges.names`."""
        names = ["starts"] if self.moved else []
        if self.resized:
            names.append("duration")
        return names + self.text.names()

    @property
    def notice(self) -> Notice | None:
        """What the thread (and, when ``moved``, the members) are told; ``None``: nothing
        about this occurrence changed (a series-only edit)."""
        if self.moved:
            return "moved"
        return "updated" if self.resized or self.text.names() else None

    @property
    def series(self) -> SeriesEdit | None:
        """The series row's new values (scope ``series``), else ``None``."""
        if self.scope != "series":
            return None
        return SeriesEdit(self.text, self.duration_s if self.duration_typed else None, self.local_start, self.rrule)

    def occurrence(self, current: Slot) -> OccurrenceEdit:
        """What the edited occurrence ``current`` gets."""
        timed = self.moved or self.resized
        return OccurrenceEdit(
            text=self.text,
            starts_at=self.starts_at if timed else None,
            ends_at=self.starts_at + timedelta(seconds=self.duration_s) if timed else None,
            recurrence_local=self.local_start,
            rearm=timed,
            reset_reminders=self.moved,
            rename_thread=self.text.title is not None and self.text.title != current.title,
        )

    def sibling(self, other: Slot) -> OccurrenceEdit:
        """What another scheduled occurrence of the series gets (scope ``series``): the
        text and, when a duration was typed, its end (its start stays)."""
        ends_at = other.starts_at + timedelta(seconds=self.duration_s) if self.duration_typed else None
        return OccurrenceEdit(
            text=self.text,
            ends_at=ends_at,
            rearm=ends_at is not None and ends_at != other.ends_at,
            rename_thread=self.text.title is not None and self.text.title != other.title,
        )


def _typed(value: str | None) -> str | None:
    """``value`` when something was typed, else ``None`` (blank counts as nothing)."""
    return value if value is not None and value.strip() else None


def plan_edit(current: Slot, changes: EditRequest, now: datetime) -> EditPlan:
    """Decide what an edit of ``current`` changes (``now``: UTC instant the new start must
    follow). A new start moves this occurrence; with scope ``series`` and a recurring
    series, the rule restarts at its new local time.

    Raises ``InvalidInput`` naming the first bad field (start, duration, location, title,
    agenda), or ``meetings.error.nothing_to_edit`` (field ``meeting``) when nothing changes.
    """
    starts_at, duration_s = current.starts_at, current.duration_s
    if (starts := _typed(changes.starts)) is not None:
        starts_at = parse_start(starts, zone=changes.zone, locale=changes.locale, now=now, month_first=changes.month_first)
    if (duration := _typed(changes.duration)) is not None:
        typed = parse_duration(duration, field="meetings.duration", locale=changes.locale)
        duration_s = int(validate_duration(typed).total_seconds())
    location = None if (typed_location := _typed(changes.location)) is None else parse_location(typed_location)
    title = None if (typed_title := _typed(changes.title)) is None else validate_title(typed_title)
    agenda = None if changes.agenda is None else validate_agenda(changes.agenda)
    text = TextChanges(title=title, agenda=agenda, location=location)
    moved = starts_at != current.starts_at
    local_start = rule = None
    if moved and changes.scope == "series" and current.repeat != "none":
        local = to_local(starts_at, current.timezone)
        local_start = format_local(local)
        # The rule restarts at the new time, by the same anchor (the 3rd Tuesday stays a
        # weekday position, a date a date): a new start that breaks it is refused.
        rule = rule_for(current.repeat, local, anchor_of(current.rrule), field="meetings.starts")
    plan = EditPlan(
        scope=changes.scope, text=text, starts_at=starts_at, duration_s=duration_s, moved=moved,
        resized=duration_s != current.duration_s, duration_typed=duration is not None, local_start=local_start,
        rrule=rule,
    )
    series = plan.series
    if plan.notice is None and (series is None or series.empty()):
        raise InvalidInput("meetings.error.nothing_to_edit", field="meetings.meeting")
    return plan
