"""The anonymity primitives (docs/anonymity.md, "Dedupe keys" and "The anonymity threshold").

- :func:`dedupe_key`: ``HMAC-SHA256(secret, scope ‖ user_id)`` — one answer per member per
  scope (a campaign, a poll) without storing who answered. The secret comes from the
  environment, never the database; without it the keys cannot be matched to members.
- :func:`new_receipt`: a random code the member keeps; only its hash is stored.
- :func:`coarse_day` / :func:`coarse_week`: the only dates kept on anonymous answers.
- :func:`csv_safe`: neutralises spreadsheet formulas in exported cells.
- The anonymity policy, the one place that decides what an anonymous aggregate may show
  (docs/anonymity.md, "The anonymity threshold" and "Cohorts"): :func:`effective_threshold`
  (the club's k raised to every k the answers shown together were promised, never lowered
  after the fact, 3 to 50), :func:`meets_threshold`, and :func:`cohort_decision` — an
  anonymous answer becomes readable only inside a released cohort of at least that k,
  released together, so two readings of any report differ by a whole cohort or not at all.
  Polls, campaigns, spontaneous feedback, pain points, meeting surveys, digests and exports
  all ask these functions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 5
MAX_THRESHOLD = 50
"""Design decision: a k above 50 would hide most clubs' answers for good."""
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def dedupe_key(secret: bytes, scope: str, user_id: int) -> str:
    """Hex HMAC-SHA256 of ``scope ‖ ":" ‖ user_id`` under ``secret``.

    ``scope`` names what the member may answer once, e.g. ``"campaign:12"`` or ``"poll:7"``.
    """
    if not secret:
        raise ValueError("the anonymity secret is empty")
    message = f"{scope}:{int(user_id)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def new_receipt() -> tuple[str, str]:
    """``(code, code_hash)``: a 10-character code shown once, and the hash to store."""
    code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(10))
    return code, receipt_hash(code)


def receipt_hash(code: str) -> str:
    """SHA-256 of a receipt code, normalised (case, spaces and dashes ignored)."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def format_receipt(code: str) -> str:
    """``ABCDE12345`` → ``ABCDE-12345`` for display."""
    return f"{code[:5]}-{code[5:]}"


def coarse_day(instant: datetime) -> str:
    """An instant reduced to its UTC day, ``YYYY-MM-DD``."""
    return instant.date().isoformat()


def coarse_week(instant: datetime) -> str:
    """An instant reduced to its ISO week, ``YYYY-Www``."""
    year, week, _ = instant.isocalendar()
    return f"{year}-W{week:02d}"


def csv_safe(value: object) -> str:
    """A CSV cell that spreadsheets will not run: leading ``= + - @`` (and tab/CR) get a ``'``."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def effective_threshold(current: int, snapshots: Iterable[int | None] = ()) -> int:
    """The k that applies to answers (or votes) shown together: the club's ``current`` k,
    raised to the highest k any of them was promised when given (``snapshots``; ``None``
    is unknown), never below :data:`MIN_THRESHOLD`. Lowering the club's k thus never
    reveals what was given under a higher one."""
    return max([current, MIN_THRESHOLD, *(s for s in snapshots if s is not None)])


def meets_threshold(count: int, threshold: int) -> bool:
    """Whether ``count`` answers may be shown under a threshold (floored at 3)."""
    return count >= max(threshold, MIN_THRESHOLD)


def readable(count: int, legacy: int, threshold: int) -> bool:
    """Whether a view of ``count`` released answers shows them (texts, averages, NPS,
    charts, exports). Released answers are whole cohorts, each at least the k its members
    were promised, so a view shows every one of them, whatever the club's k is now
    (changing k never hides what was released). ``legacy`` of them were stored before
    cohorts existed: while a view holds any, it also needs at least ``threshold`` answers."""
    return count > 0 and (legacy == 0 or meets_threshold(count, threshold))


CohortDecision = Literal["wait", "release", "discard"]
"""What happens to the answers waiting for a cohort: see :func:`cohort_decision`."""


def cohort_decision(waiting: int, current: int, snapshots: Iterable[int | None] = (), *, final: bool = False) -> CohortDecision:
    """Whether the ``waiting`` answers of one scope (a campaign, a guild's spontaneous
    feedback) are released now as one cohort: ``"release"`` when there are at least the
    :func:`effective_threshold` of ``current`` and their ``snapshots``; otherwise
    ``"wait"`` — or, at a ``final`` release (the campaign's close), ``"discard"``: a
    remainder smaller than k is never readable, and is destroyed (docs/anonymity.md,
    "Cohorts")."""
    if waiting > 0 and meets_threshold(waiting, effective_threshold(current, snapshots)):
        return "release"
    return "discard" if final and waiting > 0 else "wait"
