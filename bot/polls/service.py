"""Use-cases of polls: create, vote, open/close on time, recurrences, results, export.

:class:`PollService` is composed of one mixin per group of use-cases, each readable
alone: :mod:`bot.polls.creating` (``/poll create``, ``/poll cancel``, the open job),
:mod:`bot.polls.voting` (clicks, group commit), :mod:`bot.polls.closing` (``/poll
close``, the close job, the after-close work) and :mod:`bot.polls.results` (results,
export, lists, autocomplete), over :mod:`bot.polls.base` (state, poll message, live
results). Every public coroutine is a use-case (:func:`bot.actor.use_case`) taking the
:class:`~bot.actor.Actor` first.

Everything scheduled goes scheduler → this service → port (docs/architecture.md, "Scheduler"):

- ``polls.open`` (ref: poll id): a scheduled poll opens at ``opens_at`` (its message is
  posted then if it was not already).
- ``polls.close`` (ref: poll id): an open poll closes at ``closes_at``; then the
  after-close work — final edit, results chart, next occurrence of a series — runs
  once (idempotency claims), and ``finalized_at`` is set. Re-armed at start for
  unfinished work, so an overdue close happens at start.
- ``polls.refresh`` (ref: poll id): the live results edit (:class:`bot.live.LiveRefresh`),
  armed :data:`~bot.polls.rules.REFRESH_DELAY` after the first unrendered vote if none is
  armed, so a poll message is edited at most once per delay however fast votes come;
  stale messages are refreshed at start.

Anonymous polls (docs/anonymity.md, "The anonymity threshold" and "Anonymous polls sealed at the close"):

- Counts of an anonymous poll show only once it is closed, and only if at least *k*
  members voted, *k* being the higher of the club's anonymity threshold when the poll was
  created (kept on the poll) and its threshold now (never below 3). Before the close the
  message shows the number of voters only, whatever ``show_results``: live counts would
  tell anyone watching the message (or a member who votes, reads the counts and un-votes)
  what the last voters chose. Below *k* at the close, the counts stay hidden for good —
  in the final message, the results post (no chart), ``/poll results`` and the export
  (refused) — and only the number of voters shows. Public polls keep ``live`` results.
  The rule is :func:`bot.polls.rules.visibility`.
- At the close an anonymous poll is sealed (:func:`~bot.polls.store.seal`, one
  transaction): every vote's voter key is replaced by a random value, so only the counts
  survive — not even the database and the secret together tell who voted what. A member
  who clicks a sealed poll is told it is closed, without their vote (nobody can find it).
"""

from __future__ import annotations

from bot.context import AppContext, Feature
from bot.polls.base import KIND_CLOSE, KIND_OPEN, KIND_REFRESH
from bot.polls.closing import Closing
from bot.polls.creating import Creating, PollDraft
from bot.polls.results import PollExport, Results
from bot.polls.voting import VoteReceipt, Voting

__all__ = ["KIND_CLOSE", "KIND_OPEN", "KIND_REFRESH", "PollDraft", "PollExport", "PollService", "VoteReceipt", "build"]


class PollService(Creating, Voting, Closing, Results):
    """Polls for every guild of one bot process. Build with ``PollService(ctx)`` (which
    registers ``polls.refresh`` on ``ctx.scheduler``) and call :meth:`register_jobs`
    before ``ctx.scheduler.start()``."""

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``polls.open`` and ``polls.close`` with loaders that re-arm from the
        database; returns the service's kinds (with ``polls.refresh``)."""
        self.scheduler.register(KIND_OPEN, self._job_open, self._load_opens)
        self.scheduler.register(KIND_CLOSE, self._job_close, self._load_closes)
        return (KIND_OPEN, KIND_CLOSE, KIND_REFRESH)


Service = PollService


def build(ctx: AppContext) -> Feature[PollService]:
    """The polls feature for one process: its service with its jobs registered."""
    service = PollService(ctx)
    return Feature(service, service.register_jobs())
