"""A scheduled post made exactly once, whatever stops the process (docs/architecture.md,
"Scheduler": a claim is not a send).

A post goes through three recorded steps in the ``claims`` table: *intended* (the claim),
*attempted* (committed just before the request, with the message's fingerprint) and *done*
(Discord's message id). Only the attempt can be ambiguous: the request may have reached
Discord before the process died. So a claim left unfinished is taken over at the next
start (:meth:`bot.scheduler.Scheduler.effect`): intended-not-attempted is simply posted; an
attempted one is first looked for in the channel (:meth:`bot.ports.DiscordPort.posted`, by
fingerprint, leaving out messages that are another claim's result), and posted again only
when absent — with the same ``nonce`` and ``enforce_nonce``, so that within Discord's
dedupe window ("a few minutes", Discord's Create Message documentation) Discord returns
the first message instead of creating a second (docs/architecture.md, "Discord facts").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bot import claims
from bot.clock import Clock, to_ts
from bot.db import Database
from bot.ports import DiscordPort, OutMessage

NONCE_LENGTH = 25
"""Discord's longest ``nonce`` (characters)."""


def nonce_for(key: str) -> str:
    """The ``nonce`` of the post of claim ``key``: the same in every process and at every
    retry (25 hex characters of SHA-256 of the key)."""
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


class Effect:
    """One claimed post being made (from :meth:`bot.scheduler.Scheduler.effect`).

    ``key``: the claim; ``fresh``: ``True`` when this run created the claim, ``False`` when
    it takes over one a previous process left unfinished. ``on_done(key)`` is called once
    the post is recorded done (the scheduler forgets that this run holds the claim).
    """

    def __init__(
        self, db: Database, clock: Clock, key: str, taken: claims.Taken, on_done: Callable[[str], None]
    ) -> None:
        self.db = db
        self.clock = clock
        self.key = key
        self.fresh = taken.fresh
        self._attempted = taken.attempted_at is not None
        self._fingerprint = taken.fingerprint
        self._on_done = on_done

    async def post(self, port: DiscordPort, channel_id: int, message: OutMessage) -> int:
        """Post ``message`` in ``channel_id`` unless the attempt of a previous process already
        did; returns the message id (not yet recorded done: call :meth:`complete` once the
        feature recorded it). Raises :class:`bot.ports.DeliveryError` when Discord refuses
        (the attempt stays recorded: a later run looks for it, finds nothing, posts)."""
        found = await self.find(port, channel_id)
        if found is not None:
            return found
        fingerprint = port.fingerprint(message)
        await claims.attempt(self.db, self.key, fingerprint, to_ts(self.clock.now()))
        self._attempted, self._fingerprint = True, fingerprint
        return await port.send_message(channel_id, message, nonce=nonce_for(self.key))

    async def find(self, port: DiscordPort, channel_id: int) -> int | None:
        """The message an earlier attempt of this claim left in ``channel_id``, if any (the
        oldest bot message with its fingerprint that is no other claim's result)."""
        if not self._attempted or self._fingerprint is None:
            return None
        candidates = await port.posted(channel_id, self._fingerprint)
        taken = await claims.recorded_ids(self.db, candidates)
        return next((mid for mid in candidates if mid not in taken), None)

    async def complete(self, discord_id: int | None = None) -> None:
        """Record the side effect done (with the Discord id it made)."""
        await claims.complete(self.db, self.key, discord_id, to_ts(self.clock.now()))
        self._on_done(self.key)

    async def release(self) -> None:
        """Give the claim back: Discord refused for good (a lost channel) and the feature's
        own policy decides when to try again."""
        await claims.release(self.db, self.key)
        self._on_done(self.key)
