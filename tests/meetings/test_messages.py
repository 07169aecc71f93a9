"""The meetings catalog: both languages, same keys and placeholders, prefixed keys."""

from __future__ import annotations

from bot import i18n
from bot.meetings.messages import COMMANDS_FR, MESSAGES


def test_same_keys_and_placeholders_in_both_languages():
    """French and English have the same keys, and each key the same placeholders."""
    assert set(MESSAGES["en"]) == set(MESSAGES["fr"])
    for key, text in MESSAGES["en"].items():
        assert i18n.placeholders(text) == i18n.placeholders(MESSAGES["fr"][key]), key


def test_keys_are_prefixed_with_the_feature():
    """Every key belongs to the feature (``meetings.`` or ``field.meetings.``)."""
    assert all(k.startswith(("meetings.", "field.meetings.")) for k in MESSAGES["en"])


def test_french_command_names_are_valid_discord_names():
    """French command and option names are lowercase words of ≤ 32 chars (Discord's name rule)."""
    import re

    names = ["meeting", "meetings", "create", "list", "edit", "cancel", "attendees", "agenda", "calendar",
             "propose", "starts", "duration", "location", "channel", "repeat", "reminders", "topic", "title", "scope"]
    for name in names:
        fr = COMMANDS_FR[name]
        assert fr == fr.lower() and re.fullmatch(r"[-_\w]{1,32}", fr), name


def test_shared_command_words_agree_with_other_features():
    """Words shared with other features (create, list, channel…) have the same French everywhere:
    the catalog keeps one translation per English string, so a clash would rename our commands."""
    merged = i18n.command_catalog_fr()
    assert {k: v for k, v in COMMANDS_FR.items() if merged.get(k) != v} == {}


def test_descriptions_fit_discord_limit():
    """Every French description is at most 100 characters (Discord)."""
    assert all(len(v) <= 100 for v in COMMANDS_FR.values())


def test_catalog_registered():
    """The catalog is reachable through i18n.t in both languages."""
    assert i18n.t("fr", "meetings.field.when") == "Quand"
    assert i18n.t("en", "meetings.button.going", n=2) == "Going (2)"
