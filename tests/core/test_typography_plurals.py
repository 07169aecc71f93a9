"""French typography applied to every French template, and plural forms chosen by CLDR's
rules (bot/i18n.py): one table of cases each."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.i18n import Plural, french_typography

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Enregistré : {fields}.", f"Enregistré{NNBSP}: {{fields}}."),
        ("Vraiment ? Oui ! Bien ; suite", f"Vraiment{NNBSP}? Oui{NNBSP}! Bien{NNBSP}; suite"),
        (f"Déjà{NBSP}: fait", f"Déjà{NNBSP}: fait"),  # a no-break space becomes the narrow one
        ("La réunion « {title} » est close", f"La réunion «{NBSP}{{title}}{NBSP}» est close"),
        ("à 18:00, voir https://example.org?x", "à 18:00, voir https://example.org?x"),  # no space: untouched
        ("tapez `/club réglages modifier salon_retours:` ou `a ?`", "tapez `/club réglages modifier salon_retours:` ou `a ?`"),
        ("<t:{ts}:R> : bientôt", f"<t:{{ts}}:R>{NNBSP}: bientôt"),
    ],
)
def test_french_typography(template, expected):
    assert french_typography(template) == expected


def test_every_french_message_follows_the_rule():
    for key, template in i18n.catalog("fr").items():
        for form in (template.forms() if isinstance(template, Plural) else (template,)):
            outside_code = form.split("`")[::2]
            for part in outside_code:
                for mark in ";:!?":
                    assert f" {mark}" not in part and f"{NBSP}{mark}" not in part, (key, form)


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("fr", 0, "Publier (0 texte)"),
        ("fr", 1, "Publier (1 texte)"),
        ("fr", 2, "Publier (2 textes)"),
        ("en", 0, "Publish (0 texts)"),
        ("en", 1, "Publish (1 text)"),
        ("en", 12, "Publish (12 texts)"),
    ],
)
def test_plural_forms_follow_cldr(locale, count, expected):
    assert i18n.t(locale, "feedback.review.publish", approved=count) == expected


def test_a_plural_needs_its_integer_count():
    with pytest.raises(TypeError):
        i18n.t("en", "feedback.review.publish")
