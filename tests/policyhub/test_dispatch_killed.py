"""Dispatch workers as processes, killed with SIGKILL mid-batch, delivering to a slow SMTP server on loopback.

The one message in flight in each of a worker's sending threads when it dies may go twice (SMTP's lost
acknowledgement: the server had it, the worker never recorded it); every other message goes exactly once
and none is lost.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Notification, utcnow

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(rb"^X-Policyhub-Key: *(.+?)\r?$", re.M | re.I)
MESSAGES = 40


def _worker(database_url: str, port: int, tmp_path: Path, name: str, threads: int) -> subprocess.Popen:
    env = {**os.environ, "POLICYHUB_DATABASE_URL": database_url, "POLICYHUB_SECRET_KEY": "t",
           "POLICYHUB_INSTANCE_PATH": str(tmp_path / f"instance-{name}"), "POLICYHUB_MAIL_SERVER": "127.0.0.1",
           "POLICYHUB_MAIL_PORT": str(port), "POLICYHUB_DISPATCH_LEASE_SECONDS": "3",
           "POLICYHUB_DISPATCH_BATCH_SIZE": "10", "POLICYHUB_DISPATCH_THREADS": str(threads),
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "notify", "dispatch", "--interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("threads", [1, 2])
def test_workers_killed_mid_batch_lose_nothing_and_repeat_at_most_the_message_in_flight(
        make_app, database_url, loopback, tmp_path, threads):
    class SlowRecorder(loopback.SmtpRecorder):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            await asyncio.sleep(0.05)  # a relay that takes its time: the kill lands mid-batch
            return await super().handle_DATA(server, session, envelope)

    recorder = SlowRecorder()
    app = make_app()
    queued_at = utcnow() - timedelta(minutes=1)  # real processes read the real clock: due now
    with app.app_context():
        for i in range(MESSAGES):
            db.session.add(Notification(kind="consultation_received", channel="email", idempotency_key=f"kill:{i}",
                                        recipient=f"user{i}@example.com", subject="咨询受理回执",
                                        body_text=f"第 {i} 条回执", next_attempt_at=queued_at, created_at=queued_at))
        db.session.commit()

    def keys() -> Counter:
        return Counter(m.group(1).decode() for e in recorder.envelopes if (m := KEY.search(e.content)))

    def sent_rows() -> int:
        with app.app_context():
            count = db.session.scalar(select(func.count()).where(Notification.status == "sent"))
            db.session.remove()
            return count

    with loopback.SmtpServer(recorder) as server:
        killed = 0
        for name, after in (("a", 8), ("b", 20)):
            worker = _worker(database_url, server.port, tmp_path, name, threads)
            try:
                assert _wait(lambda after=after: len(recorder.envelopes) >= after, 90), "the worker delivered nothing"
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
            killed += 1
        # A third worker finds the dead ones' rows once their leases ran out, and finishes the queue.
        last = _worker(database_url, server.port, tmp_path, "c", threads)
        try:
            assert _wait(lambda: sent_rows() == MESSAGES, 120), f"sent {sent_rows()} of {MESSAGES}"
        finally:
            last.send_signal(signal.SIGTERM)
            last.wait(15)

    received = keys()
    assert set(received) == {f"kill:{i}" for i in range(MESSAGES)}  # none lost
    twice = [key for key, count in received.items() if count > 1]
    # only a message in flight, once more: at most one per sending thread of each killed worker
    assert len(twice) <= killed * threads and all(received[key] == 2 for key in twice)
