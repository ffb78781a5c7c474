"""Fan-out off the request path: publish and edits commit a job; a worker reconciles it in committed chunks.

``schedule()`` is called inside the publishing transaction (the state change and the job commit
together). ``run()`` then reconciles the policy chunk by chunk of enterprise ids, each chunk's match
rows, outbox rows and the job's cursor committed together, so a crash mid-way loses at most the
chunk in flight, and running the job again resumes after the cursor; a chunk that ran half-way is
rolled back, and reconcile is idempotent anyway (unchanged → nothing). The embedded default
(``FANOUT=inline``) runs the job in the publishing process right after the commit; production
(``FANOUT=worker``) leaves it to ``flask fanout run`` or the scheduler's ``fanout`` job, which claim
jobs under a lease.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from policyhub.extensions import db
from policyhub.models import FanoutJob, Policy, utcnow
from policyhub.models.fanout import CANCELLED, DONE, QUEUED, RUNNING
from policyhub.push import reconcile
from policyhub.push.eligibility import PolicyEligibility

__all__ = ["after_commit", "after_commit_for", "cancel_unfinished", "claim", "fanout_json", "latest_job", "run", "run_pending",
           "schedule"]

log = logging.getLogger(__name__)

_UNFINISHED = (QUEUED, RUNNING)


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def schedule(policy: Policy, trigger: str, *, now: datetime) -> FanoutJob:
    """Queue the fan-out of this policy's current version (inside the caller's transaction).

    An unfinished job of the same policy is taken over: it starts again from the first enterprise
    for the new version (what it already committed is found unchanged, or corrected).
    """
    job = db.session.scalar(select(FanoutJob).where(FanoutJob.policy_id == policy.id,
                                                    FanoutJob.state.in_(_UNFINISHED)))
    if job is None:
        job = FanoutJob(policy_id=policy.id, created_at=now, processed=0, notifications_queued=0,
                        notifications_cancelled=0, cursor=0, chunks=0)
        db.session.add(job)
    job.policy_version = policy.version
    job.trigger = trigger
    job.state = QUEUED
    job.cursor = 0
    job.processed = 0
    job.total = None
    job.lease_owner = None
    job.leased_until = None
    db.session.flush()
    return job


def cancel_unfinished(policy: Policy, *, now: datetime) -> int:
    """A withdrawn or expired policy: its queued or running fan-out stops (inside the caller's transaction)."""
    return db.session.execute(
        update(FanoutJob).where(FanoutJob.policy_id == policy.id, FanoutJob.state.in_(_UNFINISHED))
        .values(state=CANCELLED, finished_at=now, lease_owner=None, leased_until=None)).rowcount or 0


def latest_job(policy_id: int) -> FanoutJob | None:
    """The policy's most recent fan-out job, or None (never published since jobs exist)."""
    return db.session.scalar(select(FanoutJob).where(FanoutJob.policy_id == policy_id)
                             .order_by(FanoutJob.id.desc()).limit(1))


def fanout_json(job: FanoutJob | None) -> dict[str, Any]:
    """The progress a client sees: state, counts so far, and when it started and finished."""
    if job is None:
        return {"state": "none", "matched": 0, "notifications_queued": 0, "total": None, "processed": 0}
    return {
        "id": job.id, "state": job.state, "trigger": job.trigger, "policy_version": job.policy_version,
        "total": job.total, "processed": job.processed, "matched": job.processed,
        "notifications_queued": job.notifications_queued, "notifications_cancelled": job.notifications_cancelled,
        "chunks": job.chunks, "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "last_error": job.last_error,
    }


def claim(owner: str, *, now: datetime, job_id: int | None = None) -> int | None:
    """Take one queued job, or one whose runner's lease ran out (it crashed); its id, or None. Commits."""
    lease = timedelta(seconds=float(_setting("FANOUT_LEASE_SECONDS", 300.0)))
    stmt = select(FanoutJob.id).where(
        or_(FanoutJob.state == QUEUED,
            (FanoutJob.state == RUNNING) & or_(FanoutJob.leased_until.is_(None), FanoutJob.leased_until < now)))
    if job_id is not None:
        stmt = stmt.where(FanoutJob.id == job_id)
    stmt = stmt.order_by(FanoutJob.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    found = db.session.scalar(stmt)
    if found is None:
        db.session.rollback()
        return None
    taken = db.session.execute(
        update(FanoutJob).where(FanoutJob.id == found, FanoutJob.state.in_(_UNFINISHED),
                                or_(FanoutJob.state == QUEUED, FanoutJob.leased_until.is_(None),
                                    FanoutJob.leased_until < now))
        .values(state=RUNNING, lease_owner=owner, leased_until=now + lease)).rowcount
    db.session.commit()
    return found if taken == 1 else None


def run(job_id: int, owner: str, *, now: datetime | None = None, budget_seconds: float | None = None,
        clock: Any = None, should_stop: Callable[[], bool] | None = None) -> FanoutJob:
    """Run a claimed job chunk by chunk, one commit each, until it is done, cancelled, or told to let go.

    ``now`` stamps the rows (a test's fixed time); ``clock`` (default ``utcnow``) renews the lease.
    A job whose lease another runner took stops at its next chunk. Once ``budget_seconds`` is spent, or
    ``should_stop()`` says so (a worker's SIGTERM), the chunk in hand is committed and the lease let go, so
    another runner resumes at the cursor at once.
    """
    if clock is None:
        clock = (lambda: now) if now is not None else utcnow
    chunk_size = int(_setting("FANOUT_CHUNK_SIZE", 5000))
    lease = timedelta(seconds=float(_setting("FANOUT_LEASE_SECONDS", 300.0)))
    started = time.monotonic()
    job = db.session.get(FanoutJob, job_id)
    assert job is not None
    stamp = now or utcnow()
    policy = db.session.get(Policy, job.policy_id)
    if policy is None or not reconcile.is_live(policy, stamp) or policy.version != job.policy_version:
        # Withdrawn, expired or edited since: the withdraw retired it, the edit queued its own job.
        return _finish(job, CANCELLED, stamp)
    # Each chunk reads the committed profiles it covers: no process holds every verdict at once.
    eligibility = PolicyEligibility(policy)
    job.total = eligibility.count()
    job.processed = eligibility.count(upto=job.cursor) if job.cursor else 0
    job.started_at = job.started_at or stamp
    db.session.commit()
    while True:
        stamp = now or utcnow()
        if not _hold(job, owner, clock() + lease):
            log.warning("fanout job %d: lease lost to another runner, stopping", job_id)
            db.session.rollback()
            return job
        policy = _locked_policy(job.policy_id)
        if policy is None or not reconcile.is_live(policy, stamp) or policy.version != job.policy_version:
            return _finish(job, CANCELLED, stamp)
        chunk = eligibility.chunk(job.cursor, chunk_size)
        chunk_ids = list(chunk.verdicts)
        last = chunk.upto is None
        outcome = reconcile.reconcile_policy_range(
            policy, reconcile.PolicyVerdicts(chunk.verdicts, lambda ids, found=chunk.details: {e: found[e] for e in ids}),
            chunk.verdicts,
            after=job.cursor, upto=chunk.upto, now=stamp)
        job.cursor = chunk_ids[-1] if chunk_ids else job.cursor
        job.processed += len(chunk_ids)
        job.chunks += 1
        job.notifications_queued += outcome.notifications_queued
        job.notifications_cancelled += outcome.notifications_cancelled
        if last:
            return _finish(job, DONE, stamp)
        db.session.commit()
        over_budget = budget_seconds is not None and time.monotonic() - started > budget_seconds
        if over_budget or (should_stop is not None and should_stop()):
            # The rest goes to another runner; the lease is let go so one may take it at once.
            job.lease_owner = None
            job.leased_until = None
            db.session.commit()
            return job


def _hold(job: FanoutJob, owner: str, until: datetime) -> bool:
    """Renew the lease; False if another runner holds the job now."""
    renewed = db.session.execute(
        update(FanoutJob).where(FanoutJob.id == job.id, FanoutJob.lease_owner == owner, FanoutJob.state == RUNNING)
        .values(leased_until=until)).rowcount
    return renewed == 1


def _locked_policy(policy_id: int) -> Policy | None:
    """The policy as committed now; on PostgreSQL row-locked, so a withdraw waits for the chunk or the chunk for it."""
    if db.session.scalar(select(Policy.id).where(Policy.id == policy_id).with_for_update()) is None:
        return None
    return db.session.get(Policy, policy_id, populate_existing=True)


def _finish(job: FanoutJob, state: str, now: datetime) -> FanoutJob:
    job.state = state
    job.finished_at = now
    job.lease_owner = None
    job.leased_until = None
    db.session.commit()
    return job


def run_pending(owner: str, *, now: datetime | None = None, max_jobs: int = 10,
                should_stop: Callable[[], bool] | None = None) -> int:
    """Claim and run queued (or abandoned) jobs until none is left, ``max_jobs`` ran or ``should_stop()``; how many ran.

    A job that fails keeps its cursor and is tried again once its lease runs out.
    """
    ran = 0
    while ran < max_jobs and not (should_stop is not None and should_stop()):
        job_id = claim(owner, now=now or utcnow())
        if job_id is None:
            break
        ran += 1
        try:
            run(job_id, owner, now=now, should_stop=should_stop)
        except Exception as exc:
            db.session.rollback()
            log.exception("fanout job %d failed; retried after its lease", job_id)
            db.session.execute(update(FanoutJob).where(FanoutJob.id == job_id, FanoutJob.lease_owner == owner)
                               .values(last_error=str(exc)[:500], lease_owner=None))
            db.session.commit()
            break
    return ran


def after_commit_for(policy_id: int, *, now: datetime | None = None) -> FanoutJob | None:
    """``after_commit`` for the policy's queued job, if the committed change (an edit) queued one."""
    job = latest_job(policy_id)
    if job is None or job.state != QUEUED:
        return None
    return after_commit(job.id, now=now)


def after_commit(job_id: int, *, now: datetime | None = None) -> FanoutJob:
    """What the publishing request does once its transaction committed: run the job here or wait for a worker.

    ``FANOUT=inline`` (the embedded default) runs it in this process, for at most
    ``FANOUT_WAIT_SECONDS`` (unset: to the end; the rest is left to the scheduler's fanout job);
    ``FANOUT=worker`` waits up to ``FANOUT_WAIT_SECONDS`` (default 1.5) for a worker to finish it.
    """
    wait = _setting("FANOUT_WAIT_SECONDS", None)
    if _setting("FANOUT", "inline") == "inline":
        owner = f"inline:{id(object())}"
        if claim(owner, now=now or utcnow(), job_id=job_id) is not None:
            try:
                return run(job_id, owner, now=now, budget_seconds=wait)
            except Exception as exc:
                db.session.rollback()
                log.exception("fanout job %d failed in the publishing process; a worker retries it", job_id)
                db.session.execute(update(FanoutJob).where(FanoutJob.id == job_id).values(
                    last_error=str(exc)[:500], lease_owner=None, leased_until=None))
                db.session.commit()
        return db.session.get(FanoutJob, job_id, populate_existing=True)
    # 1.5 s by default: with the commit before it, the request answers within 2 s (issue 11).
    deadline = time.monotonic() + (1.5 if wait is None else float(wait))
    while True:
        job = db.session.get(FanoutJob, job_id, populate_existing=True)
        db.session.commit()  # a fresh snapshot for the next look
        if job.state not in _UNFINISHED or time.monotonic() >= deadline:
            return job
        time.sleep(0.1)
