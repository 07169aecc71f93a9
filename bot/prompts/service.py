"""The weekly prompts feature: :class:`PromptService` and ``build(ctx)``.

The service is composed of one class per group of use-cases, each readable alone:

- :mod:`bot.prompts.library`: the club's bank — add, edit, remove, list, import (moderators);
- :mod:`bot.prompts.review`: members' suggestions and their review (members, moderators);
- :mod:`bot.prompts.weekly`: the schedule, ``/prompt post-now`` and ``/prompt next``
  (moderators) and the weekly post (``system``, from the scheduler);
- :mod:`bot.prompts.engagement`: replies counted in prompt threads (members) and the stats
  (moderators).

Every public coroutine is a use-case (:func:`bot.actor.use_case`) taking the
:class:`~bot.actor.Actor` first: it authorises before acting (:mod:`bot.actor`).
"""

from __future__ import annotations

from bot.context import AppContext, Feature
from bot.prompts.engagement import Engagement
from bot.prompts.library import Library
from bot.prompts.results import (
    Decision,
    ImportReport,
    NextInfo,
    PostResult,
    PostStat,
    PromptPage,
    StatsReport,
    ThemeStat,
)
from bot.prompts.review import Review
from bot.prompts.weekly import JOB_POST, Weekly

__all__ = [
    "JOB_POST",
    "Decision",
    "ImportReport",
    "NextInfo",
    "PostResult",
    "PostStat",
    "PromptPage",
    "PromptService",
    "StatsReport",
    "ThemeStat",
    "build",
]


class PromptService(Library, Review, Weekly, Engagement):
    """The weekly prompts of every guild. Built once per process from the :class:`AppContext`."""


def build(ctx: AppContext) -> Feature[PromptService]:
    """The prompts feature for one process: its service with its job registered."""
    service = PromptService(ctx)
    return Feature(service, service.register_jobs())
