"""Use-cases of anonymous feedback: give, campaigns and surveys, answers, receipts, reports,
digests, exports (docs/anonymity.md) — :class:`FeedbackService`, composed of one mixin per
group of use-cases, each in its module:

* :mod:`bot.feedback.campaigns` — start, invite, close and list campaigns and surveys;
* :mod:`bot.feedback.answers` — open the form, answer, replace, withdraw (members);
* :mod:`bot.feedback.spontaneous` — spontaneous feedback;
* :mod:`bot.feedback.digests` — its digests: taken, reviewed, posted exactly once;
* :mod:`bot.feedback.reports` — reports, pain points and exports (moderators);
* :mod:`bot.feedback.core` — what they share (scopes, caches, kinds).

Every public coroutine is a use-case (:func:`bot.actor.use_case`) taking the
:class:`~bot.actor.Actor` first: moderators start, close, read and export; members answer,
give and withdraw (from the server or a DM); Cercle alone starts a post-meeting survey.

Anonymity design
================
* **Answers** (``feedback_answers`` / ``feedback_values``) hold the content, the guild, the
  campaign (or the category of spontaneous feedback), the ISO week, and the SHA-256 of a
  random receipt code. Their id is random hex in a ``WITHOUT ROWID`` table: no author id, no
  message id, no exact time, no insertion order.
* **Dedupe keys** (``feedback_dedupe``) are ``HMAC-SHA256(secret, "feedback:campaign:{id}:" ‖
  user_id)``, alone in a ``WITHOUT ROWID`` table keyed by the HMAC: no column, no row order
  and no scope in clear links them to an answer or even to a campaign. Without the secret
  (which lives in the environment, never the database) they cannot be matched to members.
* **Invitations** of restricted campaigns (post-meeting surveys) and role campaigns are
  HMACs under another scope (``feedback:invite:{id}``), so they cannot be joined to the
  dedupe keys either.
* **Replacing an answer goes through the receipt code** — the member pastes it in the
  "replace my answer" form; the answer is found by the code's hash. We deliberately did
  *not* store a second, differently-scoped HMAC of the member on the answer: such a key
  would let anyone holding the database *and* the secret (a stolen backup next to the
  secret file, an operator) read every member's answer. With receipts, even the secret
  only tells *whether* someone answered, never *what*. Trade-off: a member who lost the
  code cannot replace (nor withdraw) their answer; the bot says so, and shows the code
  once, right after each answer.
* Withdrawing with a receipt deletes the answer (``secure_delete=ON``) and, while the
  campaign is open, frees the caller's own dedupe slot so they may answer again.
* Nothing on this path logs a member id or an answer's content. Texts are shown only as
  aggregates once the club's threshold *k* is met (report, digest, export), shuffled.
* **Threshold snapshots** (migration 0008). A campaign keeps the club's *k* in force when it
  started (``feedback_campaigns.threshold``: what its invitations promised); each
  spontaneous feedback keeps the *k* it was given under (``feedback_answers.threshold``,
  NULL on campaign answers). Reports, digests, exports and pain points apply
  ``max(current k, every snapshot of the answers shown together)``
  (:func:`rules.effective_threshold`): lowering *k* never reveals answers given under a
  higher one; raising it applies at once. Per answer rather than per digest batch, because
  a spontaneous answer is also read by the report, the export and the pain points.
* A digest checks the threshold and takes its batch in one transaction
  (:mod:`bot.feedback.digests`): a withdraw racing it cannot make it post fewer than *k*.

Threat model (also in ``/feedback`` help and the README): protected against other
members, moderators and vendor staff using any bot feature, and against anyone holding
the database file or a backup; not protected against whoever runs the bot process with
its token and secret while feedback is being collected.
"""

from __future__ import annotations

from bot.context import AppContext, Feature
from bot.feedback.answers import AnswerUseCases, Form, Withdrawn
from bot.feedback.campaigns import CampaignDraft, CampaignSummary, CampaignUseCases
from bot.feedback.core import CLOSE_KIND, DIGEST_KIND, INVITE_JOB, dedupe_scope, invite_scope
from bot.feedback.digest_store import DigestResult, DigestReview
from bot.feedback.digests import POST_KIND
from bot.feedback.reports import ReportUseCases
from bot.feedback.spontaneous import SpontaneousUseCases

__all__ = [
    "CLOSE_KIND",
    "DIGEST_KIND",
    "INVITE_JOB",
    "POST_KIND",
    "CampaignDraft",
    "CampaignSummary",
    "DigestResult",
    "DigestReview",
    "FeedbackService",
    "Form",
    "Withdrawn",
    "build",
    "dedupe_scope",
    "invite_scope",
]


class FeedbackService(CampaignUseCases, AnswerUseCases, SpontaneousUseCases, ReportUseCases):
    """Anonymous feedback use-cases over an :class:`~bot.context.AppContext`.

    Member use-cases read the member's id from their :class:`~bot.actor.Actor` only to
    compute HMAC keys; the id is never stored, logged or passed to the store. Errors are
    :class:`~bot.errors.CercleError` subclasses with ``feedback.*`` keys (see
    ``bot/feedback/messages.py``), and ``Forbidden`` when the actor may not call the use-case.
    """

    def register_jobs(self) -> tuple[str, ...]:
        """Register ``feedback.close`` (close a campaign at ``closes_at``) and
        ``feedback.digest`` (weekly digest per guild) and ``feedback.digest.post`` (a digest
        left unposted), re-armed from the database, and
        the ``feedback.invite`` fan-outs, resumed at start if a restart interrupted them;
        returns the scheduler kinds."""
        self.scheduler.register(CLOSE_KIND, self._close_job, self._close_loader)
        self.scheduler.register(DIGEST_KIND, self._digest_job, self._digest_loader)
        self.scheduler.register(POST_KIND, self._unposted_job, self._unposted_loader)
        self.ctx.outbox.register(INVITE_JOB, self._invitation_factory)
        return (CLOSE_KIND, DIGEST_KIND, POST_KIND)


def build(ctx: AppContext) -> Feature[FeedbackService]:
    """The feedback feature for one process: its service with its jobs and DM factories registered."""
    service = FeedbackService(ctx)
    return Feature(service, service.register_jobs())
