"""Pure rules of the club settings: validation and who counts as a moderator."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.anonymity import DEFAULT_THRESHOLD, MAX_THRESHOLD, MIN_THRESHOLD
from bot.errors import InvalidInput

CHANNEL_FIELDS = (
    "announcements_channel_id", "meetings_channel_id", "prompts_channel_id", "feedback_channel_id",
    "moderators_channel_id",
)


@dataclass(frozen=True)
class ClubSettings:
    """One guild's settings. Channel/role ids are snowflakes or ``None`` when unset;
    ``timezone`` is an IANA name, ``locale`` ``"fr"``/``"en"``."""

    guild_id: int
    announcements_channel_id: int | None = None
    meetings_channel_id: int | None = None
    prompts_channel_id: int | None = None
    feedback_channel_id: int | None = None
    moderators_channel_id: int | None = None
    """Where Cercle tells moderators what waits for them (a digest to review)."""
    moderator_role_id: int | None = None
    timezone: str = "Europe/Paris"
    locale: str = "en"
    anonymity_threshold: int = DEFAULT_THRESHOLD

    @property
    def zone(self) -> ZoneInfo:
        """The club's time zone object."""
        return ZoneInfo(self.timezone)


def validate_timezone(value: str) -> str:
    """Return the IANA name, or raise ``InvalidInput`` (field ``timezone``)."""
    name = (value or "").strip()
    try:
        if not name or "/" not in name and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("club.error.timezone", field="timezone", value=name[:60]) from None
    return name


def validate_locale(value: str) -> str:
    """``"fr"`` or ``"en"``, else ``InvalidInput`` (field ``language``)."""
    if value not in ("fr", "en"):
        raise InvalidInput("club.error.locale", field="language")
    return value


def validate_threshold(value: int) -> int:
    """An anonymity threshold from 3 (the floor: docs/anonymity.md, "The anonymity
    threshold") to :data:`bot.anonymity.MAX_THRESHOLD` (50). Raises ``InvalidInput`` naming the field
    and both limits: ``club.error.threshold`` below, ``club.error.threshold_high`` above."""
    if value < MIN_THRESHOLD or value > MAX_THRESHOLD:
        key = "club.error.threshold" if value < MIN_THRESHOLD else "club.error.threshold_high"
        raise InvalidInput(key, field="anonymity_threshold", minimum=MIN_THRESHOLD, maximum=MAX_THRESHOLD)
    return value


def timezone_suggestions(query: str, limit: int = 25) -> list[str]:
    """IANA names containing ``query`` (case-insensitive), best first, ≤ 25 (Discord's choice limit)."""
    needle = (query or "").strip().lower().replace(" ", "_")
    names = sorted(available_timezones())
    if not needle:
        preferred = ["Europe/Paris", "Europe/Brussels", "Europe/Zurich", "America/Montreal", "Europe/London", "UTC"]
        return preferred[:limit]
    starts = [n for n in names if n.lower().startswith(needle) or n.lower().split("/")[-1].startswith(needle)]
    contains = [n for n in names if needle in n.lower() and n not in starts]
    return (starts + contains)[:limit]


def is_moderator(*, manage_guild: bool, role_ids: list[int] | tuple[int, ...], moderator_role_id: int | None) -> bool:
    """Manage Server, or the club's moderator role (docs/architecture.md, "discord.py conventions": re-checked in code)."""
    return manage_guild or (moderator_role_id is not None and moderator_role_id in role_ids)
