"""The custom ids of meetings' components, each defined once as a
:class:`bot.custom_ids.CustomId`: the renderer builds them, the cog's ``DynamicItem``s
match and read them.

The strings must not change: buttons of announcements already posted carry them.
"""

from __future__ import annotations

from bot.custom_ids import ID, CustomId, Field, choice
from bot.meetings.rules import RSVP_STATUSES

RSVP = CustomId("cercle:meetings:rsvp:{occurrence}:{status}", occurrence=ID, status=choice(*RSVP_STATUSES))
"""Going / Maybe / Can't go on an announcement: ``occurrence`` (row id), ``status``
(``going``/``maybe``/``no``)."""

REMIND = CustomId("cercle:meetings:remind:{occurrence}", occurrence=ID)
"""The Remind me toggle under the ephemeral answer to an RSVP: ``occurrence`` (row id)."""

TOPIC_VOTE = CustomId("cercle:meetings:topic:{topic}:vote", topic=ID)
"""The upvote button under a proposed agenda topic: ``topic`` (row id)."""

CREATE_FORM = CustomId("cercle:meetings:create:{nonce}", nonce=Field(r"[0-9a-f]+"))
"""The ``/meeting create`` modal (title and agenda): ``nonce``, random hex, so two forms
open at once never answer for each other. Not persistent (the form lives 15 min)."""
