"""Pure rules of the weekly prompts: themes, limits, the weekly rule, rotation, imports.

No I/O here. Instants are UTC-aware ``datetime``; the weekly time is a local wall-clock
time in an IANA zone, expanded with ``dateutil.rrule`` in that zone so it keeps the same
local time across daylight-saving changes (docs/architecture.md, "Time").
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.recurrence import weekly_instants
from bot.timeparse import parse_clock_time

THEMES: tuple[str, ...] = ("features", "practice", "pain_points", "roadmap", "community")
"""The five themes, in rotation order."""

MAX_PROMPT_LENGTH = 1000
"""Design decision: a prompt fits an embed description (4,096) and a modal input (4,000) with room."""
MIN_PROMPT_LENGTH = 10
CATCH_UP_GRACE = timedelta(hours=12)
"""A weekly post less than 12 h late is posted late without a note; later, it is skipped."""
RETRY_DELAY = timedelta(hours=1)
"""After a lost channel, the week's post is retried hourly while inside the grace period."""
IMPORT_MAX_BYTES = 256 * 1024
IMPORT_MAX_LINES = 500
PAGE_SIZE = 10
MAX_PENDING_PER_MEMBER = 5
"""Design decision: a member may have at most 5 suggestions waiting for review."""
THREAD_NAME_LIMIT = 100
"""Discord: thread name 1–100 characters."""
MAX_MISSED_RECORDED = 12
"""After a long downtime, at most this many weeks past the due one are recorded ``missed``."""

_THEME_ALIASES: dict[str, str] = {}
for _key, _aliases in {
    "features": ("features", "feature", "fonctionnalites", "fonctionnalite", "fonctions"),
    "practice": ("practice", "practices", "pratique", "pratiques", "usage", "usages"),
    "pain_points": (
        "pain_points", "pain_point", "painpoints", "pain", "pains", "irritants", "irritant",
        "points_de_friction", "difficultes", "points_douloureux",
    ),
    "roadmap": ("roadmap", "feuille_de_route", "evolutions", "evolution", "avenir"),
    "community": ("community", "communaute", "entraide"),
}.items():
    for _alias in _aliases:
        _THEME_ALIASES[_alias] = _key
_ALL = {"all", "tous", "toutes", "tout", "*"}


def _fold(value: str) -> str:
    """Lower-case, accents removed, spaces/dashes/apostrophes as ``_``."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()
    return re.sub(r"[\s\-'’]+", "_", ascii_ish)


def theme_key(value: str | None) -> str | None:
    """A theme typed in English or French (``"Pain points"``, ``"feuille de route"``) → its key, or ``None``."""
    if value is None:
        return None
    return _THEME_ALIASES.get(_fold(value))


def parse_theme(value: str | None, *, field: str = "prompts.theme") -> str:
    """Like :func:`theme_key` but raises ``InvalidInput`` (naming ``field`` and the themes) when unknown."""
    if not (value or "").strip():
        raise InvalidInput("error.required", field=field)
    key = theme_key(value)
    if key is None:
        raise InvalidInput("prompts.error.theme", field=field, value=(value or "")[:40], themes=", ".join(THEMES))
    return key


def parse_themes(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``None``/``""``/``"all"`` → every theme; ``"features, roadmap"`` → those keys in rotation order.

    Raises ``InvalidInput`` (field ``prompts.themes``) naming the first unknown theme.
    """
    if value is None:
        return THEMES
    parts = re.split(r"[,;/|]+", value) if isinstance(value, str) else list(value)
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts or any(_fold(p) in _ALL for p in parts):
        return THEMES
    chosen = {parse_theme(p, field="prompts.themes") for p in parts}
    return tuple(t for t in THEMES if t in chosen)


def parse_local_time(value: str, *, field: str = "prompts.time") -> tuple[int, int]:
    """``"18:00"``, ``"18h"``, ``"18h30"``, ``"6pm"``, ``"9.15"``, ``"midi"`` →
    ``(hour, minute)`` on a 24 h clock (:func:`bot.timeparse.parse_clock_time`, the one
    parser of typed times). Raises ``InvalidInput`` naming ``field`` when unreadable or
    out of range."""
    at = parse_clock_time(value, field=field)
    return at.hour, at.minute


_WEEKDAYS = {
    "monday": 0, "mon": 0, "lundi": 0, "lun": 0,
    "tuesday": 1, "tue": 1, "mardi": 1, "mar": 1,
    "wednesday": 2, "wed": 2, "mercredi": 2, "mer": 2,
    "thursday": 3, "thu": 3, "jeudi": 3, "jeu": 3,
    "friday": 4, "fri": 4, "vendredi": 4, "ven": 4,
    "saturday": 5, "sat": 5, "samedi": 5, "sam": 5,
    "sunday": 6, "sun": 6, "dimanche": 6, "dim": 6,
}


def parse_weekday(value: int | str, *, field: str = "prompts.weekday") -> int:
    """``0``–``6`` (Monday = 0, as ``datetime.weekday``) or an English/French day name → ``0``–``6``.

    Raises ``InvalidInput`` naming ``field``.
    """
    if isinstance(value, int):
        if 0 <= value <= 6:
            return value
        raise InvalidInput("prompts.error.weekday", field=field, value=str(value)[:20])
    folded = _fold(str(value))
    if folded.isdigit() and 0 <= int(folded) <= 6:
        return int(folded)
    if folded in _WEEKDAYS:
        return _WEEKDAYS[folded]
    raise InvalidInput("prompts.error.weekday", field=field, value=str(value)[:20])


WeeklyStep = Literal["wait", "advance", "missed", "post"]
"""What the weekly job does with the current occurrence: see :func:`weekly_step`."""


def weekly_step(*, due: datetime, attempt: datetime, now: datetime, recorded: str | None) -> WeeklyStep:
    """The catch-up policy for the occurrence ``due`` retried at ``attempt`` (UTC instants), at
    ``now``, given the status already recorded for its week (``None`` if none):

    - ``"wait"``: not yet time (re-arm at ``attempt``);
    - ``"advance"``: the week was already posted, skipped or missed (move to the next occurrence);
    - ``"missed"``: :data:`CATCH_UP_GRACE` (12 h) or more late (recorded missed, not posted);
    - ``"post"``: post now (on time, late within the grace, or a retry after a lost channel).
    """
    if attempt > now:
        return "wait"
    if recorded in ("posted", "skipped", "missed"):
        return "advance"
    if now - due >= CATCH_UP_GRACE:
        return "missed"
    return "post"


def missed_since(weekday: int, hour: int, minute: int, zone: str, due: datetime, now: datetime) -> list[datetime]:
    """The occurrences after ``due`` that are also past the grace at ``now`` (a downtime of
    several weeks), at most :data:`MAX_MISSED_RECORDED`, oldest first (UTC)."""
    later = weekly_instants(weekday, hour, minute, zone, due, MAX_MISSED_RECORDED)
    missed: list[datetime] = []
    for instant in later:
        if now - instant < CATCH_UP_GRACE:
            break
        missed.append(instant)
    return missed


def retry_after_loss(due: datetime, now: datetime) -> datetime | None:
    """When to retry a week whose channel refused at ``now``: :data:`RETRY_DELAY` later while
    still inside the grace of ``due``; ``None`` once the week is given up (UTC instants)."""
    retry = now + RETRY_DELAY
    return retry if retry - due < CATCH_UP_GRACE else None


def page_of(total: int, page: int) -> tuple[int, int]:
    """``(page, pages)`` for a listing of ``total`` items, :data:`PAGE_SIZE` per page: ``page``
    (1-based) clamped to the pages that exist (at least one, even when empty)."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(1, page), pages), pages


def iso_week(instant: datetime, zone: str) -> str:
    """The ISO week of ``instant`` on the zone's calendar, ``YYYY-Www`` (idempotency keys, history)."""
    year, week, _ = instant.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


def normalise(text: str) -> str:
    """The duplicate-detection form of a prompt: NFKC, case-folded, single spaces, quotes unified,
    trailing punctuation dropped. ``"What's  new?"`` and ``"what’s new"`` are the same prompt."""
    value = unicodedata.normalize("NFKC", text or "").casefold()
    value = value.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    value = " ".join(value.split())
    return value.rstrip(" ?!.…:;,").strip()


def check_prompt_text(text: str, *, field: str = "prompts.text") -> str:
    """The stripped text, or ``InvalidInput`` naming ``field``: between 10 and 1,000 characters.

    The text stays opaque Unicode: it is stored as typed and neutralised only when rendered.
    """
    value = (text or "").strip()
    if not value:
        raise InvalidInput("error.required", field=field)
    if len(value) < MIN_PROMPT_LENGTH:
        raise InvalidInput("prompts.error.too_short", field=field, minimum=MIN_PROMPT_LENGTH, length=len(value))
    if len(value) > MAX_PROMPT_LENGTH:
        raise InvalidInput("error.too_long", field=field, limit=MAX_PROMPT_LENGTH, length=len(value))
    return value


# --------------------------------------------------------------------------- rotation


@dataclass(frozen=True)
class Candidate:
    """A prompt that may be posted: its ``id`` and ``theme`` key."""

    id: int
    theme: str


@dataclass(frozen=True)
class Pick:
    """The chosen prompt, its theme, and the rotation ``cycle`` it belongs to
    (``new_cycle``: every prompt of the pool had been used, a new round starts)."""

    prompt_id: int
    theme: str
    cycle: int
    new_cycle: bool


def rotation_rank(guild_id: int, cycle: int, prompt_id: int) -> str:
    """A stable shuffle key: each guild and each cycle sees the bank in its own order,
    and the order is reproducible so ``/prompt next`` shows exactly what will be posted."""
    return hashlib.sha256(f"{guild_id}:{cycle}:{prompt_id}".encode()).hexdigest()


def pick_next(
    pool: list[Candidate],
    used: Sequence[int],
    *,
    themes: tuple[str, ...],
    last_theme: str | None,
    guild_id: int,
    cycle: int,
    only_theme: str | None = None,
) -> Pick | None:
    """Choose the next prompt (rotate through themes, no repeat until exhaustion).

    ``pool``: active prompts of the club's language; ``used``: prompt ids posted in the
    current ``cycle``, oldest first; ``themes``: the schedule's themes; ``last_theme``: the
    theme of the last post. The next theme after ``last_theme`` (in :data:`THEMES` order)
    that still has unused prompts wins; inside a theme the order is :func:`rotation_rank`.
    When every prompt of ``themes`` has been used, a new cycle starts. With ``only_theme``
    (``/prompt post-now theme``) an unused prompt of that theme is chosen, else — if the
    cycle is not exhausted — the prompt of that theme used longest ago. ``None`` when the
    pool has nothing to offer.
    """
    scope = [c for c in pool if c.theme in themes]
    used_set = set(used)
    exhausted = not [c for c in scope if c.id not in used_set]
    if only_theme is not None:
        in_theme = [c for c in pool if c.theme == only_theme]
        if not in_theme:
            return None
        fresh = [c for c in in_theme if c.id not in used_set]
        if fresh:
            best = min(fresh, key=lambda c: rotation_rank(guild_id, cycle, c.id))
            return Pick(best.id, best.theme, cycle, False)
        if exhausted and scope:
            best = min(in_theme, key=lambda c: rotation_rank(guild_id, cycle + 1, c.id))
            return Pick(best.id, best.theme, cycle + 1, True)
        order = {pid: index for index, pid in enumerate(used)}
        best = min(in_theme, key=lambda c: order.get(c.id, -1))
        return Pick(best.id, best.theme, cycle, False)
    if not scope:
        return None
    new_cycle = exhausted
    if new_cycle:
        cycle += 1
        used_set = set()
    ordered = [t for t in THEMES if t in themes]
    start = ordered.index(last_theme) + 1 if last_theme in ordered else 0
    for step in range(len(ordered)):
        theme = ordered[(start + step) % len(ordered)]
        fresh = [c for c in scope if c.theme == theme and c.id not in used_set]
        if fresh:
            best = min(fresh, key=lambda c: rotation_rank(guild_id, cycle, c.id))
            return Pick(best.id, best.theme, cycle, new_cycle)
    return None  # pragma: no cover - scope is non-empty, so some theme has a fresh prompt


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportLine:
    """One usable line of an import file: 1-based ``line`` number, ``theme`` key, ``text``."""

    line: int
    theme: str
    text: str


@dataclass(frozen=True)
class Rejected:
    """A line that was not imported: ``line`` number, a short ``excerpt``, the message ``key`` and its params."""

    line: int
    excerpt: str
    key: str
    params: dict[str, object] = field(default_factory=dict)


def excerpt(text: str) -> str:
    """One line of at most 60 characters (reports, DMs): whitespace collapsed, "…" when cut."""
    value = " ".join((text or "").split())
    return value if len(value) <= 60 else value[:59] + "…"


def _check_line(number: int, theme_text: str | None, text: str, default_theme: str | None) -> ImportLine | Rejected:
    theme = theme_key(theme_text) if theme_text else default_theme
    if theme is None:
        if theme_text:
            return Rejected(number, excerpt(text), "prompts.import.bad_theme", {"value": excerpt(theme_text)[:30]})
        return Rejected(number, excerpt(text), "prompts.import.no_theme", {})
    value = (text or "").strip()
    if not value:
        return Rejected(number, "", "prompts.import.empty", {})
    if len(value) < MIN_PROMPT_LENGTH:
        return Rejected(number, excerpt(value), "prompts.import.too_short", {"minimum": MIN_PROMPT_LENGTH})
    if len(value) > MAX_PROMPT_LENGTH:
        return Rejected(number, excerpt(value), "prompts.import.too_long", {"limit": MAX_PROMPT_LENGTH, "length": len(value)})
    return ImportLine(number, theme, value)


def parse_import(filename: str, data: bytes, default_theme: str | None = None) -> list[ImportLine | Rejected]:
    """Read a ``.txt`` or ``.csv`` import into usable lines and rejected ones (each with its reason).

    ``.txt``: one prompt per line, ``theme: text`` or ``theme | text`` or bare ``text``
    (then ``default_theme`` applies). ``.csv``: columns ``theme,text`` (a header row is
    recognised and skipped). Blank lines and lines starting with ``#`` are ignored. Raises
    ``InvalidInput`` (field ``prompts.file``) for another extension, a file over 256 KiB or
    500 lines, or one that is not UTF-8.
    """
    name = (filename or "").lower()
    if not name.endswith((".txt", ".csv")):
        raise InvalidInput("prompts.error.file_type", field="prompts.file")
    if len(data) > IMPORT_MAX_BYTES:
        raise InvalidInput("prompts.error.file_size", field="prompts.file", limit=IMPORT_MAX_BYTES // 1024)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("prompts.error.file_encoding", field="prompts.file") from None
    lines = content.splitlines()
    if len([x for x in lines if x.strip()]) > IMPORT_MAX_LINES:
        raise InvalidInput("prompts.error.file_lines", field="prompts.file", limit=IMPORT_MAX_LINES)
    results: list[ImportLine | Rejected] = []
    if name.endswith(".csv"):
        reader = csv.reader(io.StringIO(content))
        for index, row in enumerate(reader, start=1):
            cells = [c.strip() for c in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if index == 1 and [_fold(c) for c in cells[:2]] in (["theme", "text"], ["theme", "texte"]):
                continue
            if len(cells) == 1:
                results.append(_check_line(index, None, cells[0], default_theme))
            else:
                text = ",".join(row[1:]).strip() if len(cells) > 2 else cells[1]
                results.append(_check_line(index, cells[0], text, default_theme))
        return results
    for index, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([^:|\t]{2,30})\s*[:|\t]\s*(.+)$", line)
        if match and theme_key(match.group(1)) is not None:
            results.append(_check_line(index, match.group(1), match.group(2), default_theme))
        else:
            results.append(_check_line(index, None, line, default_theme))
    return results
