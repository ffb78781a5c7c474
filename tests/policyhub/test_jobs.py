"""The scheduler runs each job once at start and then on its trigger, in an app context."""

import time
from datetime import date, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from policyhub.extensions import db
from policyhub.jobs import JOBS, configure_scheduler
from policyhub.models import Policy
from policyhub.timeutil import SHANGHAI


def test_scheduler_expires_policies_at_start(app, client, make_policy):
    policy = make_policy()
    with app.app_context():
        db.session.get(Policy, policy["id"]).effective_to = date.today() - timedelta(days=3)
        db.session.commit()
    scheduler = configure_scheduler(app, BackgroundScheduler(timezone=SHANGHAI))
    assert {job.id for job in scheduler.get_jobs()} == set(JOBS)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.get(Policy, policy["id"]).status
                db.session.remove()
            if status == "expired":
                break
            time.sleep(0.05)
        assert status == "expired"
        # After its first run the job waits for its cron time (00:05 Shanghai).
        next_run = scheduler.get_job("expire_policies").next_run_time.astimezone(SHANGHAI)
        assert (next_run.hour, next_run.minute) == (0, 5)
    finally:
        scheduler.shutdown(wait=True)
