"""Member-written text made harmless for re-posting, and shortened for Discord's limits.

The hard guarantee against pings is ``AllowedMentions.none()`` on every message (set on
the client); :func:`plain` adds a second layer so re-posted text also *reads* as plain
text: mentions, ``@everyone``, masked links, headings and code blocks lose their effect.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#\-])")
_MENTION = re.compile(r"<(@[!&]?|#|/|a?:|t:)")
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-*]|\d+\.)", re.MULTILINE)
_ZWSP = "\u200b"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    """Collapse whitespace and newlines into single spaces (labels, thread names)."""
    return " ".join((text or "").split())


def plain(text: str) -> str:
    """Escape markdown and break mentions so ``text`` shows exactly as typed and pings nobody.

    ``<@123>``, ``<@&1>``, ``<#1>``, ``@everyone``, ``[x](url)``, ``**bold**`` and code
    fences all come out as literal characters.
    """
    text = text or ""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _MENTION.sub(lambda m: "<" + _ZWSP + m.group(1), text)
    text = _EVERYONE.sub(lambda m: "@" + _ZWSP + m.group(1), text)
    return text


def plain_label(text: str, limit: int) -> str:
    """Text for a button label / select option / thread name: one line, shortened, no mention."""
    value = one_line(text)
    value = _EVERYONE.sub(lambda m: "@" + _ZWSP + m.group(1), value)
    return shorten(value, limit)
