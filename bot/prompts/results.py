"""What the prompts use-cases return to the cog (and :mod:`bot.prompts.render` shows):
plain frozen dataclasses, instants as UTC-aware ``datetime``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.prompts.rules import Rejected
from bot.prompts.store import Post, Prompt, Schedule, Suggestion


@dataclass(frozen=True)
class PostResult:
    """A prompt that was posted: the post id, the prompt, and its Discord ids (``thread_id``
    ``None`` when Discord refused the answers thread)."""

    post_id: int
    prompt: Prompt
    channel_id: int
    message_id: int
    thread_id: int | None


@dataclass(frozen=True)
class NextInfo:
    """What ``/prompt next`` shows: the ``schedule`` (or ``None``), the next ``dates`` (UTC),
    the ``prompt`` that will be posted, the latest weeks that were not posted, and the
    channel the schedule posts in (``None`` when neither it nor the club has one)."""

    schedule: Schedule | None
    dates: tuple[datetime, ...]
    prompt: Prompt | None
    not_posted: tuple[Post, ...]
    channel_id: int | None


@dataclass(frozen=True)
class PromptPage:
    """One page of ``/prompt list``: ``items``, 1-based ``page`` of ``pages``, ``total`` prompts."""

    items: tuple[Prompt, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class ImportReport:
    """What an import did: prompts ``added``, ``duplicates`` as ``(line, excerpt)``, and
    ``rejected`` lines with their reason."""

    added: tuple[Prompt, ...]
    duplicates: tuple[tuple[int, str], ...]
    rejected: tuple[Rejected, ...]


@dataclass(frozen=True)
class Decision:
    """A reviewed suggestion, the prompt it became (approved), and whether the author's DM went out."""

    suggestion: Suggestion
    prompt: Prompt | None
    dm_delivered: bool


@dataclass(frozen=True)
class PostStat:
    """Engagement of one posted prompt: replies in its thread and distinct participants."""

    post_id: int
    posted_at: datetime
    theme: str
    text: str
    replies: int
    participants: int


@dataclass(frozen=True)
class ThemeStat:
    """Engagement of one theme over the period: posts, replies, distinct participants."""

    theme: str
    posts: int
    replies: int
    participants: int


@dataclass(frozen=True)
class StatsReport:
    """``/prompt stats``: per post (oldest first) and per theme over ``weeks`` weeks, with a PNG ``chart``."""

    weeks: int
    posts: tuple[PostStat, ...]
    themes: tuple[ThemeStat, ...]
    chart: bytes | None
