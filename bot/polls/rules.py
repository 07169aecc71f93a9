"""Pure rules of polls: limits, validation, vote decisions, what the counts show, recurrence. No I/O.

Limits come from Discord (docs/architecture.md, "Discord facts") and from what fits on one poll message:
20 choices make 4 rows of 5 buttons (≤ 5 rows of 5); a button label shows 80 characters,
so longer choices are shortened with "…" on the button and kept whole in the database;
20 choices × 100 characters plus bars fit the embed description (4,096) and the
6,000-character total.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot import anonymity
from bot.anonymity import MIN_THRESHOLD
from bot.clock import local_to_utc
from bot.errors import CercleError, Conflict, InvalidInput, NotFound, check_length
from bot.recurrence import Recurrence

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
class Series:
    """A recurring poll as stored: what every occurrence asks (``question``,
    ``description``, ``choices``, ``anonymous``, ``max_choices``, ``show_results``), where
    (``guild_id``, ``channel_id``) and when: the RFC 5545 ``rrule`` of ``repeat`` expanded in
    the IANA ``timezone`` from the first occurrence's naive local wall-clock
    ``local_opens``/``local_closes``. ``active`` is ``False`` once stopped (no further
    occurrence)."""

    id: int
    guild_id: int
    channel_id: int
    creator_id: int
    question: str
    description: str
    choices: tuple[str, ...]
    anonymous: bool
    max_choices: int
    show_results: ShowResults
    repeat: Repeat
    rrule: str
    timezone: str
    local_opens: datetime
    local_closes: datetime
    active: bool

    def spec_for(self, occurrence: Occurrence) -> PollSpec:
        """The poll of ``occurrence`` of this series, ready to store."""
        return PollSpec(
            guild_id=self.guild_id, channel_id=self.channel_id, creator_id=self.creator_id,
            question=self.question, description=self.description, choices=self.choices,
            anonymous=self.anonymous, max_choices=self.max_choices, show_results=self.show_results,
            opens_at=occurrence.opens_at, closes_at=occurrence.closes_at, repeat=self.repeat, timezone=self.timezone,
        )


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


def message_moves(anonymous: bool, changes: Iterable[tuple[tuple[int, ...], tuple[int, ...]]]) -> bool:
    """Whether a batch of vote ``changes`` on one poll (each voter's choices before and
    after, positions) changes what its live message shows, so that it is edited at all.

    A public poll shows its counts: any voter whose choices changed moves them. An
    anonymous poll shows only its number of voters while open (docs/anonymity.md, "The
    anonymity threshold"): only a batch that changes that number moves it. A voter who
    moves their vote, or one who leaves while another joins, edits nothing, so the
    message's edit time never tells when somebody changed their mind.
    """
    if not anonymous:
        return any(set(old) != set(new) for old, new in changes)
    return sum(bool(new) - bool(old) for old, new in changes) != 0


@dataclass(frozen=True)
class VoteGate:
    """What a click is checked against, as read inside the vote transaction: the poll's
    ``status``, ``max_choices``, ``opens_at`` and ``closes_at`` (Unix seconds, UTC) and its
    ``choices`` (texts, position 1 first)."""

    status: str
    max_choices: int
    opens_at: int
    closes_at: int
    choices: tuple[str, ...]


def decide_click(
    gate: VoteGate | None, current: tuple[int, ...], position: int, now_ts: int
) -> ClickResult | CercleError:
    """What a click on choice ``position`` of the poll in state ``gate`` (``None``: no such
    poll) does to the voter's ``current`` choices at ``now_ts`` (Unix seconds).

    Returns the :class:`ClickResult` (see :func:`apply_click`) or the refusal, not raised
    (a batch of clicks goes on): ``NotFound('polls.error.gone')`` (poll or choice
    missing), ``Conflict`` ``polls.error.cancelled``, ``polls.error.closed`` (closed, or
    its closing instant passed before the close job ran; param ``closed``, Unix s),
    ``polls.error.not_open`` (scheduled, even when due; param ``opens``) or
    ``polls.error.max_reached``.
    """
    if gate is None or not 1 <= position <= len(gate.choices):
        return NotFound("polls.error.gone")
    if gate.status == "cancelled":
        return Conflict("polls.error.cancelled")
    if gate.status == "closed" or gate.closes_at <= now_ts:
        return Conflict("polls.error.closed", closed=gate.closes_at)
    if gate.status == "scheduled":  # not yet, or due and about to be opened by the scheduler
        return Conflict("polls.error.not_open", opens=gate.opens_at)
    try:
        return apply_click(current, position, gate.max_choices)
    except Conflict as exc:
        return exc


# --- what the counts show (docs/anonymity.md, "The anonymity threshold") -----------------

HiddenReason = Literal["anonymous_until_close", "until_close", "below_threshold"]
"""Why a poll's counts are hidden, as its message says: an anonymous poll still open (or
scheduled), a public ``after_close`` poll not closed yet, an anonymous poll closed with
fewer voters than its threshold (hidden for good)."""


def effective_threshold(poll: Poll, club_threshold: int) -> int:
    """The anonymity threshold *k* of an anonymous poll: the higher of the one kept on the
    poll (the club's when it was created, as its voters were told) and the club's current
    one, never below :data:`~bot.anonymity.MIN_THRESHOLD` (lowering the club's threshold
    never reveals a poll hidden under the one its voters were promised): the policy's
    :func:`bot.anonymity.effective_threshold`."""
    return anonymity.effective_threshold(club_threshold, (poll.anonymity_threshold,))


def counts_visible(poll: Poll, tally: Tally, threshold: int) -> bool:
    """Whether counts may be shown now (message, results post, ``/poll results``, export).

    - Public poll: ``live`` while open, every public poll once closed; ``after_close``
      never before its close.
    - Anonymous poll: only once closed, and only with at least ``threshold`` voters
      (the poll's :func:`effective_threshold`). Never while open, whatever
      ``show_results``: counts that move while a poll is open tell anyone watching (or
      a voter who votes, reads and un-votes) what the last voters chose. Below the
      threshold at the close they stay hidden for good; only the number of voters shows.
    """
    if poll.anonymous:
        return poll.status == "closed" and anonymity.meets_threshold(tally.voters, threshold)
    if poll.status == "closed":
        return True
    return poll.show_results == "live" and poll.status == "open"


@dataclass(frozen=True)
class Visibility:
    """What a poll's message and results show of its votes now: the ``counts`` (bars,
    numbers, chart), the number of ``voters``, why the counts are ``hidden`` when that is
    said (``None`` otherwise), and the ``threshold`` *k* such a note names (≥ 3)."""

    counts: bool
    voters: bool
    hidden: HiddenReason | None
    threshold: int


def visibility(poll: Poll, tally: Tally, threshold: int) -> Visibility:
    """The :class:`Visibility` of ``poll`` with ``tally`` under its effective ``threshold``.

    Counts follow :func:`counts_visible`. The number of voters shows on a ``live`` poll
    while open and on every closed poll (an anonymous poll's message shows only that
    while open). A cancelled poll shows neither and says nothing.
    """
    counts = counts_visible(poll, tally, threshold)
    voters = (poll.status == "open" and poll.show_results == "live") or poll.status == "closed"
    hidden: HiddenReason | None = None
    if not counts and poll.status in ("open", "scheduled"):
        hidden = "anonymous_until_close" if poll.anonymous else "until_close"
    elif not counts and poll.status == "closed" and tally.voters:
        hidden = "below_threshold"
    return Visibility(counts, voters, hidden, max(threshold, MIN_THRESHOLD))


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """A text bar such as ``████░░░░`` for ``count`` out of ``total``."""
    filled = 0 if total <= 0 else round(width * count / total)
    return "█" * filled + "░" * (width - filled)


def percent(count: int, total: int) -> int:
    """Whole percentage of ``count`` in ``total`` (0 when nobody voted)."""
    return 0 if total <= 0 else round(100 * count / total)


# --- recurrence -------------------------------------------------------------------------

@dataclass(frozen=True)
class Occurrence:
    """One expanded occurrence of a series: UTC-aware ``opens_at``/``closes_at``."""

    opens_at: datetime
    closes_at: datetime


def next_occurrence(
    rule: str, zone: str, local_opens: datetime, local_closes: datetime, after: datetime, now: datetime
) -> Occurrence | None:
    """The first occurrence opening after instant ``after`` whose close is still to come at ``now``.

    The series is a :class:`~bot.recurrence.Recurrence` from ``local_opens`` (DTSTART) in
    ``zone``; each occurrence keeps the same local window (``local_closes - local_opens``),
    so a weekly poll at 18:00 Paris stays at 18:00 Paris across DST. Occurrences missed
    entirely during downtime are skipped (catch-up policy). ``None`` when the rule has no
    more occurrences.
    """
    window = local_closes - local_opens
    series = Recurrence(local_opens, zone, rule)
    cursor = after
    for _ in range(1000):
        found = series.instants_after(cursor, 1)
        if not found:
            return None
        (local, opens), = found
        closes = local_to_utc(local + window, zone)
        if closes > now:
            return Occurrence(opens, closes)
        cursor = opens
    return None


def dump_choices(choices: tuple[str, ...]) -> str:
    """Choices as stored in a series row (JSON, Unicode kept)."""
    return json.dumps(list(choices), ensure_ascii=False)


def load_choices(text: str) -> tuple[str, ...]:
    """Inverse of :func:`dump_choices`."""
    return tuple(json.loads(text))
