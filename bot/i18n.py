"""Message catalogs in French and English, and the choice of a reply's language.

Each feature keeps its own catalog in ``bot/<feature>/messages.py`` and registers it
with :func:`register` at import; :func:`load_catalogs` imports them all. Messages are
``str.format`` templates; a test checks that both languages have the same keys and the
same placeholders. Command names and descriptions are translated through
:func:`command_translation` (used by the bot's ``app_commands.Translator``).
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from typing import Literal

Locale = Literal["en", "fr"]
LOCALES: tuple[Locale, ...] = ("en", "fr")

_MESSAGES: dict[str, dict[str, str]] = {"en": {}, "fr": {}}
_COMMANDS_FR: dict[str, str] = {}
_loaded = False


class MissingMessage(KeyError):
    """A message key absent from a catalog (a programming error, caught by the catalog test)."""


def register(messages: dict[str, dict[str, str]], commands_fr: dict[str, str] | None = None) -> None:
    """Add a feature's catalog: ``{"en": {key: template}, "fr": {...}}`` and French command strings.

    Raises ``ValueError`` when a key is registered twice with a different text.
    """
    for locale in LOCALES:
        for key, text in messages.get(locale, {}).items():
            existing = _MESSAGES[locale].get(key)
            if existing is not None and existing != text:
                raise ValueError(f"message {key!r} registered twice for {locale}")
            _MESSAGES[locale][key] = text
    for source, text in (commands_fr or {}).items():
        _COMMANDS_FR[source] = text


def load_catalogs() -> None:
    """Import every ``bot.<package>.messages`` module once."""
    global _loaded
    if _loaded:
        return
    import bot

    importlib.import_module("bot.messages")
    for info in pkgutil.iter_modules(bot.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"bot.{info.name}.messages")
            except ModuleNotFoundError as exc:
                if exc.name != f"bot.{info.name}.messages":
                    raise
    _loaded = True


def normalise_locale(value: str | None) -> Locale | None:
    """Discord locale (``fr``, ``en-US``, ``en-GB``…) → ``"fr"``/``"en"``, or ``None`` for others."""
    if not value:
        return None
    head = str(value).split("-")[0].lower()
    return head if head in LOCALES else None


def pick_locale(member_locale: str | None, club_locale: str | None, default: Locale = "en") -> Locale:
    """The reply language: the member's if French or English, else the club's, else ``default``."""
    return normalise_locale(member_locale) or normalise_locale(club_locale) or default


def t(locale: str, key: str, /, **params: object) -> str:
    """Render message ``key`` in ``locale`` with ``params``.

    Raises :class:`MissingMessage` if the key is in no catalog. Falls back to English
    when only the English text exists.
    """
    load_catalogs()
    lang = normalise_locale(locale) or "en"
    template = _MESSAGES[lang].get(key) or _MESSAGES["en"].get(key)
    if template is None:
        raise MissingMessage(key)
    return template.format(**params) if params else template


def has(key: str) -> bool:
    """Whether ``key`` exists in the English catalog."""
    load_catalogs()
    return key in _MESSAGES["en"]


def command_translation(text: str, locale: str) -> str | None:
    """French text of a command name/description/choice (``None`` for other locales or unknown)."""
    load_catalogs()
    if normalise_locale(locale) != "fr":
        return None
    return _COMMANDS_FR.get(text)


def catalog(locale: Locale) -> dict[str, str]:
    """A copy of one language's catalog (for tests)."""
    load_catalogs()
    return dict(_MESSAGES[locale])


def command_catalog_fr() -> dict[str, str]:
    """A copy of the French command strings (for tests)."""
    load_catalogs()
    return dict(_COMMANDS_FR)


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
