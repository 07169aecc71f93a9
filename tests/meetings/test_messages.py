"""The meetings catalog: both languages, same keys and placeholders, prefixed keys."""

from __future__ import annotations

from bot import i18n
from bot.meetings.command_names import FR
from bot.meetings.messages import MESSAGES


def test_same_keys_and_placeholders_in_both_languages():
    """French and English have the same keys, and each key the same placeholders."""
    assert set(MESSAGES["en"]) == set(MESSAGES["fr"])
    for key, text in MESSAGES["en"].items():
        assert i18n.placeholders(text) == i18n.placeholders(MESSAGES["fr"][key]), key


def test_keys_are_prefixed_with_the_feature():
    """Every key belongs to the feature (``meetings.`` or ``field.meetings.``)."""
    assert all(k.startswith(("meetings.", "field.meetings.")) for k in MESSAGES["en"])


def test_french_command_names_are_valid_discord_names():
    """French command and option names follow Discord's name rule (lowercase, accents allowed, ≤ 32)."""
    from tests.fakediscord.validate import valid_name

    names = {path: text[0] for path, text in FR.items() if isinstance(text, tuple)}
    assert "meeting create.starts" in names and names["meeting"] == "réunion"
    assert {path: name for path, name in names.items() if not valid_name(name)} == {}


def test_catalog_is_what_the_bot_serves():
    """Each meetings path keeps its own French text: no other feature's catalog replaced it."""
    merged = i18n.command_catalog("fr")
    assert {k: v for k, v in FR.items() if merged.get(k) != v} == {}


def test_descriptions_fit_discord_limit():
    """Every French description and choice name is at most 100 characters (Discord)."""
    texts = [text[1] if isinstance(text, tuple) else text for text in FR.values()]
    assert all(1 <= len(text) <= 100 for text in texts)


def test_catalog_registered():
    """The catalog is reachable through i18n.t in both languages."""
    assert i18n.t("fr", "meetings.field.when") == "Quand"
    assert i18n.t("en", "meetings.button.going", n=2) == "Going (2)"
