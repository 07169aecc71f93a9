"""Message catalogs in French and English, and the choice of a reply's language.

Each feature keeps its own catalog in ``bot/<feature>/messages.py`` and registers it
with :func:`register` at import; :func:`load_catalogs` imports them all. Messages are
``str.format`` templates, or a :class:`Plural` whose form CLDR's plural rules (Babel)
choose by a count; a test checks that both languages have the same keys and the same
placeholders. French templates get French typography when registered
(:func:`french_typography`: a narrow no-break space before ``; : ! ?``, no-break spaces
inside « »), so the catalogs are written with plain spaces and every message follows one rule.

Command names, descriptions and choices are localised per command, the way a library
does it: each feature keeps a catalog of its commands in ``bot/<feature>/command_names.py``
keyed by the command's English qualified path, registered with :func:`register_commands`:

- ``"campaign close"`` → ``(name, description)`` of a command or a group;
- ``"campaign start.closes"`` → ``(name, description)`` of an option;
- ``"campaign start.release=close"`` → the name of one choice (by its value).

No word is shared between commands: ``close`` may be ``clore`` for campaigns and
``fermer`` for polls. The bot's ``app_commands.Translator`` (``cercle/tree.py``) reads
them with :func:`command_name`, :func:`command_description` and :func:`choice_name`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

Locale = Literal["en", "fr"]
LOCALES: tuple[Locale, ...] = ("en", "fr")



@dataclass(frozen=True)
class Plural:
    """A message with one form per CLDR plural category, chosen by the integer parameter
    ``by`` (default ``count``): ``Plural(one="{count} vote", other="{count} votes")``. French
    puts 0 and 1 in ``one`` ("0 vote", "1 vote"), English only 1 (Unicode CLDR plural rules,
    read through Babel). ``many`` and the other categories fall back to ``other``."""

    one: str
    other: str
    by: str = "count"

    def forms(self) -> tuple[str, str]:
        """Both templates (for the catalog tests)."""
        return (self.one, self.other)

    def map(self, change: Callable[[str], str]) -> Plural:
        """The same plural with ``change`` applied to each form."""
        return Plural(change(self.one), change(self.other), self.by)

    def __str__(self) -> str:
        return f"{self.one}\n{self.other}"


Template = str | Plural
"""One catalog entry: a ``str.format`` template or a :class:`Plural`."""

_MESSAGES: dict[str, dict[str, Template]] = {"en": {}, "fr": {}}
NNBSP, NBSP = "\u202f", "\u00a0"
_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0\u202f]+([;:!?])")
_CODE = re.compile(r"(`[^`]*`)")


def french_typography(text: str) -> str:
    """French typography of a template (Imprimerie nationale's rules, as Discord shows
    text): a narrow no-break space (U+202F) replaces the space before ``;`` ``:`` ``!``
    ``?``, and no-break spaces (U+00A0) sit inside « ». Code spans (`` `…` ``), where
    a command is typed as is, are left alone; a punctuation mark with no space before it
    (``18:00``, ``https://``) is not touched."""
    parts = _CODE.split(text)
    for index in range(0, len(parts), 2):  # the even parts are outside code spans
        part = _BEFORE_PUNCTUATION.sub(NNBSP + r"\1", parts[index])
        part = re.sub(r"«[ \u00a0\u202f]*", "«" + NBSP, part)
        parts[index] = re.sub(r"[ \u00a0\u202f]*»", NBSP + "»", part)
    return "".join(parts)
CommandCatalog = Mapping[str, "tuple[str, str] | str"]
"""``{path: (name, description)}`` for commands and options, ``{path.option=value: name}`` for choices."""

_COMMANDS: dict[Locale, dict[str, tuple[str, str] | str]] = {"en": {}, "fr": {}}
_loaded = False


class MissingMessage(KeyError):
    """A message key absent from a catalog (a programming error, caught by the catalog test)."""


def register(messages: Mapping[str, Mapping[str, Template]]) -> None:
    """Add a feature's catalog: ``{"en": {key: template}, "fr": {...}}`` (French templates
    get :func:`french_typography`).

    Raises ``ValueError`` when a key is registered twice with a different text.
    """
    for locale in LOCALES:
        for key, raw in messages.get(locale, {}).items():
            text: Template = raw
            if locale == "fr":
                text = raw.map(french_typography) if isinstance(raw, Plural) else french_typography(raw)
            existing = _MESSAGES[locale].get(key)
            if existing is not None and existing != text:
                raise ValueError(f"message {key!r} registered twice for {locale}")
            _MESSAGES[locale][key] = text


def register_commands(locale: Locale, commands: CommandCatalog) -> None:
    """Add a feature's command catalog for ``locale`` (shape: :data:`CommandCatalog`).

    Raises ``ValueError`` for a path registered twice with another text, a choice key
    (``path.option=value``) whose text is not one string, or a command/option key whose
    text is not a ``(name, description)`` pair.
    """
    table = _COMMANDS[locale]
    for path, text in commands.items():
        is_choice = "=" in path
        if is_choice != isinstance(text, str) or (not is_choice and len(text) != 2):
            raise ValueError(f"command text {path!r}: a choice takes a name, a command or option (name, description)")
        existing = table.get(path)
        if existing is not None and existing != text:
            raise ValueError(f"command text {path!r} registered twice for {locale}")
        table[path] = text


def choices(option: str, names: Mapping[str, str] | Mapping[int, str]) -> dict[str, str]:
    """Catalog entries for the choices of ``option`` (``"poll create.repeat"``):
    ``{value: name}`` → ``{"poll create.repeat=value": name}``."""
    return {f"{option}={value}": name for value, name in names.items()}


def load_catalogs() -> None:
    """Import every ``bot.<package>.messages`` and ``bot.<package>.command_names`` module once."""
    global _loaded
    if _loaded:
        return
    import bot

    importlib.import_module("bot.messages")
    importlib.import_module("bot.command_names")
    for info in pkgutil.iter_modules(bot.__path__):
        if not info.ispkg:
            continue
        for module in ("messages", "command_names"):
            try:
                importlib.import_module(f"bot.{info.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"bot.{info.name}.{module}":
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
    if isinstance(template, Plural):
        count = params.get(template.by)
        if not isinstance(count, int):
            raise TypeError(f"message {key!r} needs an integer {template.by!r}")
        template = template.one if _plural_category(lang, count) == "one" else template.other
    return template.format(**params) if params else template


@functools.lru_cache(maxsize=256)
def _plural_category(lang: str, count: int) -> str:
    """CLDR's plural category of ``count`` in ``lang`` (``one``, ``other``…), from Babel."""
    from babel import Locale as BabelLocale  # loaded at the first plural, not at start

    return str(BabelLocale.parse(lang).plural_form(abs(count)))


def has(key: str) -> bool:
    """Whether ``key`` exists in the English catalog."""
    load_catalogs()
    return key in _MESSAGES["en"]


def _command_entry(path: str, locale: str) -> tuple[str, str] | None:
    load_catalogs()
    lang = normalise_locale(locale)
    entry = _COMMANDS[lang].get(path) if lang else None
    return entry if isinstance(entry, tuple) else None


def command_name(path: str, locale: str) -> str | None:
    """The name of command or option ``path`` (``"campaign close"``, ``"campaign start.closes"``)
    in ``locale``, or ``None`` when it has none there (Discord then shows the English name)."""
    entry = _command_entry(path, locale)
    return entry[0] if entry else None


def command_description(path: str, locale: str) -> str | None:
    """The description of command or option ``path`` in ``locale``, or ``None``."""
    entry = _command_entry(path, locale)
    return entry[1] if entry else None


def choice_name(option: str, value: object, locale: str) -> str | None:
    """The name of the choice ``value`` of ``option`` (``"poll create.repeat"``) in ``locale``, or ``None``."""
    load_catalogs()
    lang = normalise_locale(locale)
    entry = _COMMANDS[lang].get(f"{option}={value}") if lang else None
    return entry if isinstance(entry, str) else None


def catalog(locale: Locale) -> dict[str, Template]:
    """A copy of one language's catalog (for tests)."""
    load_catalogs()
    return dict(_MESSAGES[locale])


def command_catalog(locale: Locale) -> dict[str, tuple[str, str] | str]:
    """A copy of one language's command catalog (for tests)."""
    load_catalogs()
    return dict(_COMMANDS[locale])


def placeholders(template: Template) -> set[str]:
    """The ``{names}`` a template uses (every form of a :class:`Plural`, and its count)."""
    if isinstance(template, Plural):
        return set().union(*(placeholders(form) for form in template.forms())) | {template.by}
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
