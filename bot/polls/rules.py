"""Pure rules of polls: limits, validation, vote arithmetic, recurrence. No I/O.

Limits come from Discord (docs/architecture.md, "Discord facts") and from what fits on one poll message:
20 choices make 4 rows of 5 buttons (≤ 5 rows of 5); a button label shows 80 characters,
so longer choices are shortened with "…" on the button and kept whole in the database;
20 choices × 100 characters plus bars fit the embed description (4,096) and the
6,000-character total.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.errors import Conflict, InvalidInput, check_length

Status = Literal["scheduled", "open", "closed", "cancelled"]
ShowResults = Literal["live", "after_close"]
Repeat = Literal["none", "weekly", "monthly", "quarterly"]

QUESTION_MAX = 300  # like Discord's native polls; shown whole in the embed (title shortened to 256)
DESCRIPTION_MAX = 1000
CHOICE_MAX = 100  # select option limit; a button label shows 80 (shortened with "…")
MIN_CHOICES = 2
MAX_CHOICES = 20  # 4 action rows of 5 buttons (Discord: ≤ 5 rows, ≤ 5 buttons per row)
CHOICES_FIELD_MAX = 4000  # Discord's text input value limit
MAX_DURATION = timedelta(days=366)
DEFAULT_DURATION = timedelta(days=7)
REFRESH_DELAY = timedelta(seconds=5)  # live results: at most one message edit per 5 s per poll
RECENTLY_CLOSED = timedelta(days=30)  # what /poll list shows as "recently closed"
BAR_WIDTH = 12

REPEATS: tuple[Repeat, ...] = ("none", "weekly", "monthly", "quarterly")
SHOW_RESULTS: tuple[ShowResults, ...] = ("live", "after_close")

# The longest window an occurrence may stay open: it must close before the next one opens.
_PERIOD_LIMIT = {"weekly": timedelta(days=7), "monthly": timedelta(days=28), "quarterly": timedelta(days=89)}


@dataclass(frozen=True)
class Poll:
    """One poll as stored. Instants are UTC-aware; ``choices`` are the full texts, position
    1 first; ``repeat`` is the rule of its series while the series is active."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    creator_id: int
    question: str
    description: str
    anonymous: bool
    max_choices: int
    show_results: ShowResults
    status: Status
    opens_at: datetime
    closes_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    finalized_at: datetime | None
    series_id: int | None
    votes_version: int
    rendered_version: int
    created_at: datetime
    choices: tuple[str, ...] = ()
    repeat: Repeat = "none"
    anonymity_threshold: int = 0  # the club's k when created (raised at the close); 0: unknown
    sealed_voters: int | None = None  # anonymous poll sealed at its close: its number of voters

    @property
    def single(self) -> bool:
        """Single choice: a click sets or moves the vote."""
        return self.max_choices == 1


@dataclass(frozen=True)
class Tally:
    """Counts of a poll: ``counts[i]`` votes for choice ``i + 1``; ``voters`` distinct voters."""

    counts: tuple[int, ...]
    voters: int

    @property
    def total(self) -> int:
        """Total number of votes (a multiple-choice voter counts once per choice)."""
        return sum(self.counts)


@dataclass(frozen=True)
class PollSpec:
    """A validated poll ready to store (moderator input after the modal).

    ``opens_at``/``closes_at`` UTC-aware; ``repeat`` ``none`` or a rule name; ``timezone``
    the club's IANA zone (recurrences expand in it).
    """

    guild_id: int
    channel_id: int
    creator_id: int
    question: str
    description: str
    choices: tuple[str, ...]
    anonymous: bool
    max_choices: int
    show_results: ShowResults
    opens_at: datetime
    closes_at: datetime
    repeat: Repeat
    timezone: str


@dataclass(frozen=True)
class ClickResult:
    """What one click changes: ``new`` choices (sorted positions) and the ``action``:
    ``set``, ``moved``, ``added``, ``removed`` or ``unchanged``."""

    new: tuple[int, ...]
    action: Literal["set", "moved", "added", "removed", "unchanged"]


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def clean_question(value: str) -> str:
    """The question stripped; ``InvalidInput`` (field ``polls.question``) if empty or > 300."""
    return check_length("polls.question", value, QUESTION_MAX)


def clean_description(value: str | None) -> str:
    """The optional description stripped; ``InvalidInput`` (field ``polls.description``) if > 1000."""
    value = (value or "").strip()
    if len(value) > DESCRIPTION_MAX:
        raise InvalidInput("error.too_long", field="polls.description", limit=DESCRIPTION_MAX, length=len(value))
    return value


def parse_choices(text: str) -> tuple[str, ...]:
    """One choice per line → tuple of 2–20 distinct texts (≤ 100 chars each), kept as typed.

    Blank lines are ignored; text is opaque Unicode (emoji, combining marks, right-to-left,
    ``)`` and ``|`` are fine). Raises ``InvalidInput`` naming field ``polls.choices``:
    ``polls.error.choices_count``, ``polls.error.choice_too_long`` (with the line number)
    or ``polls.error.choice_duplicate``.
    """
    if len(text or "") > CHOICES_FIELD_MAX:
        raise InvalidInput("error.too_long", field="polls.choices", limit=CHOICES_FIELD_MAX, length=len(text))
    lines = [line.strip() for line in (text or "").splitlines()]
    choices = [line for line in lines if line]
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise InvalidInput(
            "polls.error.choices_count", field="polls.choices", minimum=MIN_CHOICES, maximum=MAX_CHOICES,
            count=len(choices),
        )
    seen: set[str] = set()
    for number, choice in enumerate(choices, start=1):
        if len(choice) > CHOICE_MAX:
            raise InvalidInput(
                "polls.error.choice_too_long", field="polls.choices", number=number, limit=CHOICE_MAX,
                length=len(choice),
            )
        key = _key(choice)
        if key in seen:
            raise InvalidInput("polls.error.choice_duplicate", field="polls.choices", number=number)
        seen.add(key)
    return tuple(choices)


def check_max_choices(value: int, n_choices: int | None = None) -> int:
    """``max_choices`` between 1 and the number of choices (≤ 20); ``InvalidInput`` otherwise."""
    upper = MAX_CHOICES if n_choices is None else n_choices
    if not 1 <= value <= upper:
        raise InvalidInput("error.out_of_range", field="polls.max_choices", minimum=1, maximum=upper)
    return value


def check_window(opens_at: datetime, closes_at: datetime, repeat: Repeat) -> None:
    """The close comes after the open, within 366 days, and (recurring) before the next open.

    Raises ``InvalidInput`` naming ``polls.closes``.
    """
    if closes_at <= opens_at:
        raise InvalidInput("polls.error.closes_before_opens", field="polls.closes")
    if closes_at - opens_at > MAX_DURATION:
        raise InvalidInput("error.duration_range", field="polls.closes", max_days=MAX_DURATION.days)
    limit = _PERIOD_LIMIT.get(repeat)
    if limit is not None and closes_at - opens_at > limit:
        raise InvalidInput("polls.error.window_too_long", field="polls.closes", days=limit.days)


def apply_click(current: tuple[int, ...] | list[int], position: int, max_choices: int) -> ClickResult:
    """The voter's choices after clicking ``position``.

    Single choice (``max_choices == 1``): the click sets or moves the vote (clicking the
    current choice keeps it). Multiple choice: the click toggles, refusing a new choice
    beyond ``max_choices`` with ``polls.error.max_reached`` (a ``Conflict``).
    """
    now = tuple(sorted(set(current)))
    if max_choices == 1:
        if now == (position,):
            return ClickResult(now, "unchanged")
        return ClickResult((position,), "moved" if now else "set")
    if position in now:
        return ClickResult(tuple(p for p in now if p != position), "removed")
    if len(now) >= max_choices:
        raise Conflict("polls.error.max_reached", maximum=max_choices)
    return ClickResult(tuple(sorted((*now, position))), "added")


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """A text bar such as ``████░░░░`` for ``count`` out of ``total``."""
    filled = 0 if total <= 0 else round(width * count / total)
    return "█" * filled + "░" * (width - filled)


def percent(count: int, total: int) -> int:
    """Whole percentage of ``count`` in ``total`` (0 when nobody voted)."""
    return 0 if total <= 0 else round(100 * count / total)


# --- recurrence -------------------------------------------------------------------------

def rrule_for(repeat: Repeat, local_start: datetime) -> str:
    """The RFC 5545 rule of a repeat, for a first occurrence at naive local ``local_start``.

    Monthly and quarterly on days 29–31 fall back to the month's last day (``BYSETPOS=-1``)
    instead of skipping short months (``dateutil`` skips them otherwise).
    """
    if repeat == "weekly":
        return "FREQ=WEEKLY;INTERVAL=1"
    interval = {"monthly": 1, "quarterly": 3}[repeat]
    day = local_start.day
    if day > 28:
        days = ",".join(str(d) for d in range(28, day + 1))
        return f"FREQ=MONTHLY;INTERVAL={interval};BYMONTHDAY={days};BYSETPOS=-1"
    return f"FREQ=MONTHLY;INTERVAL={interval}"


def localize(local: datetime, zone: str) -> datetime:
    """A naive local wall-clock time in ``zone`` → UTC-aware instant (first fold if ambiguous)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def to_local(instant: datetime, zone: str) -> datetime:
    """A UTC instant → naive wall-clock time in ``zone``."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


@dataclass(frozen=True)
class Occurrence:
    """One expanded occurrence of a series: UTC-aware ``opens_at``/``closes_at``."""

    opens_at: datetime
    closes_at: datetime


def next_occurrence(
    rule: str, zone: str, local_opens: datetime, local_closes: datetime, after: datetime, now: datetime
) -> Occurrence | None:
    """The first occurrence opening after instant ``after`` whose close is still to come at ``now``.

    The rule is expanded on naive local wall-clock times from ``local_opens`` (DTSTART),
    each occurrence keeping the same local window (``local_closes - local_opens``) and then
    placed in ``zone``: a weekly poll at 18:00 Paris stays at 18:00 Paris across DST.
    Occurrences missed entirely during downtime are skipped (catch-up policy). ``None``
    when the rule has no more occurrences.
    """
    window = local_closes - local_opens
    recurrence = rrulestr(rule, dtstart=local_opens)
    cursor = to_local(after, zone)
    for _ in range(1000):
        local = recurrence.after(cursor, inc=False)
        if local is None:
            return None
        opens = localize(local, zone)
        closes = localize(local + window, zone)
        if opens > after and closes > now:
            return Occurrence(opens, closes)
        cursor = local
    return None


def dump_choices(choices: tuple[str, ...]) -> str:
    """Choices as stored in a series row (JSON, Unicode kept)."""
    return json.dumps(list(choices), ensure_ascii=False)


def load_choices(text: str) -> tuple[str, ...]:
    """Inverse of :func:`dump_choices`."""
    return tuple(json.loads(text))
