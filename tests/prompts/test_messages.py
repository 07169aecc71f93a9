"""The prompts catalog: both languages, same placeholders, every key the code uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot import i18n
from bot.prompts import messages

_ROOT = Path(__file__).resolve().parents[2]


def test_catalog_has_the_same_keys_and_placeholders_in_both_languages():
    """Every English message has a French twin with the same placeholders."""
    en, fr = messages.MESSAGES["en"], messages.MESSAGES["fr"]
    assert set(en) == set(fr)
    for key in en:
        assert i18n.placeholders(en[key]) == i18n.placeholders(fr[key]), key
        assert key.startswith(("prompts.", "field.prompts.")), key
        assert en[key] != fr[key], key


def test_every_key_used_by_the_code_exists():
    """Message keys written in bot/prompts and cogs/prompts.py are all in the catalog."""
    sources = list((_ROOT / "bot" / "prompts").glob("*.py"))
    cog = _ROOT / "cogs" / "prompts.py"
    if cog.exists():
        sources.append(cog)
    used = set()
    for path in sources:
        used |= set(re.findall(r"\"(prompts\.(?:error|import|post|alert|dm|stats|ui|theme)\.[a-z_.]+)\"",
                               path.read_text(encoding="utf-8")))
    assert used, "no key found: the pattern is wrong"
    missing = sorted(k for k in used if k not in messages.MESSAGES["en"])
    assert not missing


def test_messages_render_in_both_languages():
    """A parameterised message renders in English and in French."""
    en = i18n.t("en", "prompts.error.duplicate", id=3)
    fr = i18n.t("fr", "prompts.error.duplicate", id=3)
    assert "#3" in en and "n° 3" in fr and en != fr
