"""One definition per persistent component (docs/architecture.md, "Components").

A button's ``custom_id`` is the only state Discord sends back on a click, and it must
survive restarts. Each button is defined once as a :class:`CustomId`; the renderer
builds ids from it and the cog's ``DynamicItem`` uses its :attr:`CustomId.pattern` as
the template and :meth:`CustomId.read` to get the typed fields — so a format cannot
drift between the one who writes it and the one who parses it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

CUSTOM_ID_MAX = 100
"""Discord's limit on a component's ``custom_id`` (characters)."""


@dataclass(frozen=True)
class Field:
    """One ``{name}`` of a :class:`CustomId`: the ``regex`` its text matches, and whether
    it reads as an ``int``."""

    regex: str
    integer: bool = False


ID = Field(r"\d+", integer=True)
"""A snowflake or a row id (non-negative integer)."""
SIGNED = Field(r"-?\d+", integer=True)
"""An integer that may be negative (a page offset)."""
WORD = Field(r"[a-z_]+")
"""A lower-case identifier (a theme, a category)."""
HEX = Field(r"[0-9a-f]+")
"""A random hex id (an anonymous answer's)."""


def choice(*values: str) -> Field:
    """A field that is exactly one of ``values``."""
    return Field("|".join(re.escape(v) for v in values))


class Fields:
    """The typed fields read from a clicked ``custom_id``."""

    def __init__(self, values: dict[str, int | str]) -> None:
        self._values = values

    def integer(self, name: str) -> int:
        """Field ``name`` as an integer (``KeyError`` if absent, ``TypeError`` if textual)."""
        value = self._values[name]
        if not isinstance(value, int):
            raise TypeError(f"custom_id field {name!r} is text, not an integer")
        return value

    def text(self, name: str) -> str:
        """Field ``name`` as text (``KeyError`` if absent, ``TypeError`` if an integer)."""
        value = self._values[name]
        if not isinstance(value, str):
            raise TypeError(f"custom_id field {name!r} is an integer, not text")
        return value


class CustomId:
    """A persistent ``custom_id`` format, e.g.
    ``CustomId("cercle:polls:{poll}:vote:{position}", poll=ID, position=ID)``.

    Raises ``ValueError`` at definition when a ``{name}`` has no field or a field no
    ``{name}``.
    """

    def __init__(self, template: str, **fields: Field) -> None:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        if sorted(names) != sorted(fields):
            raise ValueError(f"custom_id {template!r}: fields {sorted(fields)} do not match {names}")
        self.template = template
        self.fields = fields
        parts: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P<{name}>{fields[name].regex})")
        self.pattern = "".join(parts)
        """The regex of the whole id with one named group per field (a ``DynamicItem`` template)."""
        self._compiled = re.compile(self.pattern)

    def build(self, **values: int | str) -> str:
        """The ``custom_id`` for ``values``; ``ValueError`` if a value does not match its
        field or the id is over :data:`CUSTOM_ID_MAX` characters (Discord)."""
        text = self.template.format(**values)
        if len(text) > CUSTOM_ID_MAX:
            raise ValueError(f"custom_id {text[:40]!r}… is over {CUSTOM_ID_MAX} characters")
        if self._compiled.fullmatch(text) is None:
            raise ValueError(f"custom_id {text!r} does not match {self.template!r}")
        return text

    def read(self, match: re.Match[str]) -> Fields:
        """The typed fields of a match of :attr:`pattern` (what ``DynamicItem`` passes)."""
        return Fields(
            {name: int(match[name]) if field.integer else match[name] for name, field in self.fields.items()}
        )

    def parse(self, custom_id: str) -> Fields | None:
        """The typed fields of ``custom_id``, or ``None`` if it is not of this format."""
        match = self._compiled.fullmatch(custom_id)
        return None if match is None else self.read(match)
