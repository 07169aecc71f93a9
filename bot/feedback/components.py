"""Every ``custom_id`` of the feedback feature, defined once as a :class:`bot.custom_ids.CustomId`.

The renderer (:mod:`bot.feedback.render`) and the cog's modals build ids from these; the
cog's ``DynamicItem`` buttons use their :attr:`~bot.custom_ids.CustomId.pattern` as template
and :meth:`~bot.custom_ids.CustomId.read` on a click. The strings are those of messages
already posted (DM invitations, announcements, DM offers): they must never change.
Only ids are carried here — never a member id nor anything a member wrote (an answer's
id is random and names nobody).
"""

from __future__ import annotations

from bot.custom_ids import HEX, ID, WORD, CustomId, choice

ANSWER = CustomId("cercle:feedback:answer:{campaign}", campaign=ID)
"""Persistent button opening a campaign's form (DM invitation and channel announcement)."""

REPLACE = CustomId("cercle:feedback:replace:{campaign}", campaign=ID)
"""Persistent button opening the receipt-based replacement form of a campaign."""

GIVE = CustomId("cercle:feedback:give:{guild}:{category}", guild=ID, category=WORD)
"""Persistent button of the DM offer opening the spontaneous feedback modal for ``guild``
in ``category`` (one of :data:`bot.feedback.rules.CATEGORIES`)."""

GIVE_MODAL = CustomId("cercle:feedback:m:give:{guild}", guild=ID)
"""The spontaneous feedback modal for ``guild``."""

ANSWER_MODAL = CustomId("cercle:feedback:m:{kind}:{campaign}", kind=choice("answer", "replace"), campaign=ID)
"""A campaign's form: ``kind`` ``answer`` (a first answer) or ``replace`` (with the receipt code)."""

START_MODAL = CustomId("cercle:feedback:m:start")
"""The questions form of ``/campaign start``."""

REVIEW = CustomId(
    "cercle:feedback:review:{digest}:{action}:{page}", digest=ID, action=choice("open", "page", "publish"), page=ID
)
"""A digest's review (moderators): ``open`` it (the button of the moderators' channel
notice, answered privately), show ``page``, or ``publish`` what was approved."""

REVIEW_TEXT = CustomId(
    "cercle:feedback:review:{digest}:{action}:{answer}:{page}",
    digest=ID, action=choice("approve", "hold"), answer=HEX, page=ID,
)
"""Approve or hold back one text (``answer``: its random id) of a digest in review, then
show ``page`` again."""
