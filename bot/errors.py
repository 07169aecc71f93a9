"""Errors are data (docs/architecture.md, "Errors"): services raise :class:`CercleError` carrying a message
key and parameters; only the command tree's handler renders it for the member, in their
language. Nothing here holds exception text meant for logs.
"""

from __future__ import annotations

from bot import i18n


class CercleError(Exception):
    """A member-safe error: ``key`` in the catalogs, ``params`` for its template.

    A ``field`` parameter is translated through the key ``field.<name>`` when it exists,
    so messages name the field in the member's language.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, locale: str) -> str:
        """The localised message for ``locale`` (``"fr"``/``"en"``)."""
        params = dict(self.params)
        field = params.get("field")
        if isinstance(field, str) and i18n.has(f"field.{field}"):
            params["field"] = i18n.t(locale, f"field.{field}")
        return i18n.t(locale, self.key, **params)


class InvalidInput(CercleError):
    """A value a member typed breaks a rule; the message names the field and the limit."""


class NotFound(CercleError):
    """The thing asked for does not exist (or no longer does) in this guild."""


class Forbidden(CercleError):
    """The member may not do this (not a moderator, not the author, wrong audience)."""


class Conflict(CercleError):
    """The action clashes with the current state (already closed, already answered…)."""


class Unavailable(CercleError):
    """The database could not take the change in time (another process holds its lock past
    the busy timeout): nothing was stored, the member may try again (``error.busy``)."""


def too_long(field: str, limit: int, length: int) -> InvalidInput:
    """``InvalidInput`` for a text over ``limit`` characters."""
    return InvalidInput("error.too_long", field=field, limit=limit, length=length)


def check_length(field: str, value: str, limit: int, *, minimum: int = 1) -> str:
    """Return ``value`` stripped, or raise ``InvalidInput`` naming ``field`` and the limit."""
    value = (value or "").strip()
    if len(value) < minimum:
        raise InvalidInput("error.required", field=field)
    if len(value) > limit:
        raise too_long(field, limit, len(value))
    return value
