"""The built-in prompt bank shipped with Cercle: ``bot/prompts/bank/{en,fr}.csv``.

Each file has the columns ``key,theme,text``. ``key`` is stable (``en-feat-01``): a
club's copy of a built-in prompt is matched by it, so editing the wording here never
duplicates a prompt in a club that already has it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGS = ("en", "fr")


@dataclass(frozen=True)
class BankPrompt:
    """One built-in prompt: stable ``key``, ``theme`` key, ``text``, language ``lang``."""

    key: str
    theme: str
    text: str
    lang: str


@cache
def builtin(lang: str) -> tuple[BankPrompt, ...]:
    """The built-in prompts of ``lang`` (``"en"``/``"fr"``; any other → English), in file order."""
    lang = lang if lang in LANGS else "en"
    raw = resources.files("bot.prompts").joinpath("bank", f"{lang}.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(raw))
    return tuple(BankPrompt(r["key"].strip(), r["theme"].strip(), r["text"].strip(), lang) for r in rows)
