"""Paced fan-out to many recipients (DMs, reminders, invitations).

discord.py only waits after a 429; it has no global pacer, so Cercle paces itself well
below Discord's 50 requests/s (docs/architecture.md, "Direct messages"). Each failure is counted by reason and the
batch goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot import claims, outbox_store
from bot.clock import Clock, to_ts
from bot.db import Database
from bot.outbox_store import JobState
from bot.ports import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_RATE = 20.0  # requests per second: well under Discord's global 50/s
# A first DM to a member costs two requests (open the DM channel, then post).
REQUESTS_PER_DM = 2


def dm_rate(request_rate: float) -> float:
    """DMs per second that keep a DM fan-out within ``request_rate`` requests per second."""
    return request_rate / REQUESTS_PER_DM


@dataclass
class FanOutResult:
    """How a fan-out went: ``sent`` and ``failed`` counts, failures by ``reason``."""

    sent: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        """How many recipients could not be reached."""
        return sum(self.failures.values())


async def fan_out(
    recipients: Iterable[T],
    send: Callable[[T], Awaitable[object]],
    *,
    rate: float = DEFAULT_RATE,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> FanOutResult:
    """Call ``send(r)`` for each recipient, at most ``rate`` per second.

    ``DeliveryError`` from one recipient is counted under its reason; other exceptions
    propagate. ``sleep`` is injected so tests check the pacing without waiting.
    """
    result = FanOutResult()
    interval = 1.0 / rate if rate > 0 else 0.0
    for index, recipient in enumerate(recipients):
        if index and interval:
            await sleep(interval)
        try:
            await send(recipient)
        except DeliveryError as exc:
            result.failures[exc.reason] += 1
        else:
            result.sent += 1
    return result


# --- durable fan-outs ---------------------------------------------------------------------
#
# ``fan_out`` runs in memory: if the process stops half-way, the recipients not yet reached
# are lost, and the idempotency claim taken before it forbids a retry. The :class:`Outbox`
# makes a fan-out durable (docs/architecture.md, "Direct messages"): the recipients are written to the database in the
# same transaction as the claim, each one's row is deleted right after their DM was attempted,
# and at start the bot drains whatever a previous process left, re-rendering the message from
# the feature's rows through a factory registered per job-name prefix (nothing is pickled).

FETCH_BATCH = 500  # recipients read per query while draining
UNREADABLE = "unreadable"
"""Failure reason of a recipient sealed under another anonymity secret (counted, never sent)."""
_TOKEN_BYTES = 16
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Delivery:
    """How to deliver one job: ``send(user_id)`` DMs one member (raises ``DeliveryError`` for a
    per-recipient failure); ``finish(state)`` (optional) records the final counts in the
    feature's own rows once no recipient is pending. ``finish`` must be idempotent: a crash
    after the last DM and before the job row is removed runs it again at the next start."""

    send: Callable[[int], Awaitable[object]]
    finish: Callable[[JobState], Awaitable[None]] | None = None


Factory = Callable[[str, JobState], Awaitable[Delivery | None]]
"""``factory(ref, state)`` rebuilds a job's :class:`Delivery` from the database (``ref`` is the
job name after ``'{prefix}:'``); ``None`` means the job is obsolete (its campaign or meeting is
gone or changed) and its pending recipients are dropped, with a log line (counts only)."""


class Outbox:
    """Durable, paced DM fan-outs over the ``fanout_jobs`` / ``fanout_outbox`` tables.

    ``db``: the :class:`~bot.db.Database`; ``secret``: the anonymity secret (bytes) that seals
    recipient ids (they are never stored in clear, see ``migrations/0006_fanout_outbox.sql``);
    ``clock``: gives ``created_at`` and claim times (``time.time()`` when ``None``).

    Delivery guarantee: each recipient's row is deleted, and the job's ``sent``/``failed``
    counter moved, in one transaction right *after* their DM was attempted. A stop between
    two DMs therefore loses nothing and repeats nothing; only a crash while one DM request
    is in flight (sent by Discord, row not yet deleted) can DM that single member a second
    time when the job resumes — at-least-once for that one member rather than a silent drop.

    A recipient sealed under another secret (``ANONYMITY_SECRET`` changed while a job was
    pending) is counted as failed under :data:`UNREADABLE`, never guessed.

    One process drains a job at a time (a per-job lock); two bot processes on one database
    are not supported while a job is pending (both would resume it at start).
    """

    def __init__(self, db: Database, secret: bytes, *, clock: Clock | None = None) -> None:
        self.db = db
        self._secret = bytes(secret)
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cercle fan-out seal v1").derive(self._secret)
        self._aead = AESGCM(key)
        self._clock = clock
        self._factories: dict[str, Factory] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._owned: set[str] = set()

    # --- sealing ---------------------------------------------------------------------------

    def _token(self, job: str, user_id: int) -> bytes:
        digest = hmac.new(self._secret, f"fanout:{job}:{int(user_id)}".encode(), hashlib.sha256).digest()
        return digest[:_TOKEN_BYTES]

    def _seal(self, job: str, user_id: int) -> tuple[bytes, bytes]:
        """``(token, sealed)``: the row key and the member id encrypted with AES-GCM (the
        ``cryptography`` library), nonce = the token (unique per job and member), the job
        name as associated data so a row cannot be moved to another job."""
        token = self._token(job, user_id)
        sealed = self._aead.encrypt(token[:12], (int(user_id) & _MASK).to_bytes(8, "big"), job.encode())
        return token, sealed

    def _unseal(self, job: str, token: bytes, sealed: bytes) -> int | None:
        """The member id, or ``None`` when the row was sealed under another secret."""
        try:
            return int.from_bytes(self._aead.decrypt(token[:12], sealed, job.encode()), "big")
        except InvalidTag:
            return None

    def _now(self) -> int:
        return to_ts(self._clock.now()) if self._clock is not None else int(time.time())

    # --- writing and reading jobs ------------------------------------------------------------

    async def enqueue(
        self,
        job: str,
        guild_id: int | None,
        recipient_ids: Iterable[int],
        *,
        payload: dict[str, Any] | None = None,
        claim: str | None = None,
    ) -> bool:
        """Write job ``job`` and its recipients (duplicates ignored) in one transaction.

        ``payload``: a JSON-able dict the feature's factory re-renders the message from (never
        anything about answers, never member ids). ``claim``: an idempotency key (the
        ``claims`` table of :meth:`~bot.scheduler.Scheduler.claim`) taken in the same
        transaction, so claiming and remembering whom to DM cannot be separated by a crash.
        Returns ``False`` — and writes nothing — when ``claim`` was already taken, or, without
        ``claim``, when a job of that name is still pending.
        """
        rows = {self._seal(job, uid) for uid in recipient_ids}
        now = self._now()
        async with self.db.transaction() as conn:
            if claim is not None:
                if not await claims.claim_in(conn, claim, guild_id, now):
                    return False
            created = await outbox_store.insert_job(conn, job, guild_id, now, rows, payload or {})
            if not created:
                if claim is not None:  # a claimed job left over from an unclaimed run: keep it as is
                    log.warning("fan-out %s: already pending, not enqueued again", job)
                return False
        self._owned.add(job)
        return True

    async def state(self, job: str) -> JobState | None:
        """The stored state of ``job``, or ``None`` when it is not (or no longer) pending."""
        return await outbox_store.get_job(self.db, job)

    async def pending(self, job: str | None = None) -> int:
        """Recipients not yet attempted, of ``job`` or of every job."""
        return await outbox_store.pending_count(self.db, job)

    async def jobs(self) -> list[str]:
        """Names of the stored jobs (unfinished, or finished but not yet removed), oldest first."""
        return await outbox_store.job_names(self.db)

    async def forget(self, job: str) -> None:
        """Remove ``job`` and any recipient still pending (``ON DELETE CASCADE``)."""
        await outbox_store.delete_job(self.db, job)
        self._owned.discard(job)

    # --- draining ----------------------------------------------------------------------------

    def _lock(self, job: str) -> asyncio.Lock:
        return self._locks.setdefault(job, asyncio.Lock())

    async def drain(
        self,
        job: str,
        send: Callable[[int], Awaitable[object]],
        *,
        rate: float = DEFAULT_RATE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> FanOutResult:
        """Call ``send(user_id)`` for each pending recipient of ``job``, at most ``rate`` per
        second (``sleep(1/rate)`` between two calls, none before the first), deleting each
        recipient's row as soon as their DM was attempted. Returns this run's counts
        (``DeliveryError`` counted by reason, :data:`UNREADABLE` for a recipient sealed under
        another secret; other exceptions propagate and leave that
        recipient pending, to be retried at the next start). The job row stays (see :meth:`run`).
        """
        async with self._lock(job):
            return await self._drain(job, send, rate, sleep)

    async def _drain(
        self,
        job: str,
        send: Callable[[int], Awaitable[object]],
        rate: float,
        sleep: Callable[[float], Awaitable[None]],
    ) -> FanOutResult:
        result = FanOutResult()
        interval = 1.0 / rate if rate > 0 else 0.0
        first = True
        while True:
            batch = await outbox_store.next_recipients(self.db, job, FETCH_BATCH)
            if not batch:
                if result.failures[UNREADABLE]:
                    log.warning("fan-out %s: %d recipient(s) sealed under another secret, skipped",
                                job, result.failures[UNREADABLE])
                return result
            for token, sealed in batch:
                if not first and interval:
                    await sleep(interval)
                first = False
                user_id = self._unseal(job, token, sealed)
                if user_id is None:
                    # Sealed under another secret (ANONYMITY_SECRET changed): never guess a recipient.
                    result.failures[UNREADABLE] += 1
                    outcome: Literal["sent", "failed"] = "failed"
                else:
                    try:
                        await send(user_id)
                    except DeliveryError as exc:
                        result.failures[exc.reason] += 1
                        outcome = "failed"
                    else:
                        result.sent += 1
                        outcome = "sent"
                await outbox_store.record_attempt(self.db, job, token, outcome)

    async def run(
        self,
        job: str,
        delivery: Delivery,
        *,
        rate: float = DEFAULT_RATE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> tuple[FanOutResult, JobState | None]:
        """Drain ``job`` with ``delivery.send``, then call ``delivery.finish(state)`` with the
        totals over every run and remove the job. Returns ``(this run's counts, final state)``;
        the state is ``None`` when the job was not pending (another run finished it)."""
        self._owned.add(job)
        async with self._lock(job):
            try:
                result = await self._drain(job, delivery.send, rate, sleep)
                state = await self.state(job)
                if state is not None:
                    if delivery.finish is not None:
                        await delivery.finish(state)
                    await self.forget(job)
            finally:
                self._owned.discard(job)
        return result, state

    # --- resuming after a restart ---------------------------------------------------------------

    def register(self, prefix: str, factory: Factory) -> None:
        """Let jobs named ``'{prefix}:{ref}'`` be resumed by ``factory`` (see :data:`Factory`).
        A second registration of ``prefix`` replaces the first (a service rebuilt on the same
        context). Raises ``ValueError`` if ``prefix`` is empty or contains ``':'``."""
        if ":" in prefix or not prefix:
            raise ValueError(f"fan-out prefix {prefix!r} must be non-empty without ':'")
        self._factories[prefix] = factory

    async def resume_all(
        self,
        *,
        rate: float = DEFAULT_RATE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> dict[str, FanOutResult]:
        """Finish every stored job whose prefix is registered and that this process is not
        already running (call once at start, after the scheduler started). Jobs run one after
        the other, paced like a fresh fan-out. A job without a registered prefix stays stored
        (a later version may know it); one whose factory returns ``None`` is removed. Errors
        of one job are logged and the others go on. Returns this run's counts per job."""
        results: dict[str, FanOutResult] = {}
        for job in await self.jobs():
            if job in self._owned:
                continue
            prefix, _, ref = job.partition(":")
            factory = self._factories.get(prefix)
            if factory is None:
                log.warning("fan-out %s: no handler registered, left pending", job)
                continue
            state = await self.state(job)
            if state is None:
                continue
            try:
                delivery = await factory(ref, state)
                if delivery is None:
                    log.warning("fan-out %s: obsolete, %d pending recipient(s) dropped", job, state.pending)
                    await self.forget(job)
                    continue
                log.info("fan-out %s: resuming, %d recipient(s) pending", job, state.pending)
                results[job], _ = await self.run(job, delivery, rate=rate, sleep=sleep)
            except Exception:
                log.exception("fan-out %s: resume failed, left pending", job)
        return results

