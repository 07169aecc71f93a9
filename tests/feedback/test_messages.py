"""The feedback catalog: both languages, same keys and placeholders; no discord import in bot/feedback."""

from __future__ import annotations

import pathlib

from bot import i18n
from bot.feedback import messages


def test_same_keys_and_placeholders():
    """English and French have the same feedback keys with the same placeholders."""
    en, fr = messages.MESSAGES["en"], messages.MESSAGES["fr"]
    assert set(en) == set(fr)
    for key in en:
        assert i18n.placeholders(en[key]) == i18n.placeholders(fr[key]), key


def test_threat_model_in_both_languages():
    """The threat model names what is protected and what is not, in both languages."""
    assert "Not protected from" in i18n.t("en", "feedback.threat_model", k=5)
    assert "Non protégé contre" in i18n.t("fr", "feedback.threat_model", k=5)


def test_no_discord_or_aiosqlite_in_rules():
    """The feature's brain never imports discord; the rules never touch aiosqlite."""
    root = pathlib.Path(__file__).resolve().parents[2] / "bot" / "feedback"
    for path in root.glob("*.py"):
        assert "import discord" not in path.read_text(), path
    assert "import aiosqlite" not in (root / "rules.py").read_text()
