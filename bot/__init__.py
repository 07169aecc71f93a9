"""Cercle: the Discord bot of a software user club.

Feature packages (``bot.polls``, ``bot.meetings``, ``bot.feedback``, ``bot.prompts``,
``bot.club``) hold the rules, storage and use-cases and never import ``discord``; the
Discord face lives in ``cogs/``. See docs/architecture.md, "Layout".
"""

__version__ = "0.1.0"
