"""The anonymity primitives (docs/anonymity.md, "Dedupe keys" and "The anonymity threshold").

- :func:`dedupe_key`: ``HMAC-SHA256(secret, scope ‖ user_id)`` — one answer per member per
  scope (a campaign, a poll) without storing who answered. The secret comes from the
  environment, never the database; without it the keys cannot be matched to members.
- :func:`new_receipt`: a random code the member keeps; only its hash is stored.
- :func:`coarse_day` / :func:`coarse_week`: the only dates kept on anonymous answers.
- :func:`csv_safe`: neutralises spreadsheet formulas in exported cells.
- :func:`meets_threshold`: the *k*-anonymity threshold rule (default 5, never below 3).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 5
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


def meets_threshold(count: int, threshold: int) -> bool:
    """Whether ``count`` answers may be shown under a threshold (floored at 3)."""
    return count >= max(threshold, MIN_THRESHOLD)
