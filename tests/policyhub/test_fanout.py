"""Fan-out off the request path: publish commits a job, workers run it in chunks, a crash resumes without duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import FanoutJob, Notification, PolicyMatch, utcnow
from policyhub.push import fanout, reconcile

ALUMINIUM = ("滨州市支持中小微铝加工企业技术改造的若干措施",
             "一、支持对象\n本市行政区域内从事铝压延加工的中小微企业。\n二、支持标准\n按设备投资额的 10% 给予补助。")
CRITERIA = {"industries": ["3252"], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}


@pytest.fixture
def app(make_app):
    # Production's shape: the request leaves the job to a worker; chunks of two enterprises.
    return make_app(FANOUT="worker", FANOUT_WAIT_SECONDS=0, FANOUT_CHUNK_SIZE=2)


@pytest.fixture
def firms(make_enterprise) -> list[dict]:
    """Seven aluminium firms (SMS and email each) and two textile firms the policy does not concern."""
    made = [make_enterprise(i, industry_code="3252", mobile=f"1380000{i:04d}", email=f"firm{i}@example.com",
                            channels=["sms", "email"]) for i in range(1, 8)]
    made += [make_enterprise(i, industry_code="1771", mobile=f"1390000{i:04d}", channels=["sms"])
             for i in range(20, 22)]
    return made


def _publish(client, headers) -> int:
    created = client.post("/api/v1/policies", headers=headers,
                          json={"title": ALUMINIUM[0], "body": ALUMINIUM[1], "criteria": CRITERIA})
    assert created.status_code == 201, created.get_json()
    policy_id = created.get_json()["id"]
    published = client.post(f"/api/v1/policies/{policy_id}/publish", headers=headers)
    assert published.status_code == 202, published.get_json()
    body = published.get_json()
    assert body["status"] == "published" and body["fanout"]["state"] == "queued"
    assert "matched" not in body  # nothing was matched inside the request
    return policy_id


def _rows(app, policy_id: int) -> tuple[int, int, int, int]:
    """(matches, distinct enterprises matched, outbox rows, distinct (enterprise, channel) in the outbox)."""
    with app.app_context():
        matches = db.session.scalar(select(func.count()).where(PolicyMatch.policy_id == policy_id))
        firms = db.session.scalar(select(func.count(func.distinct(PolicyMatch.enterprise_id)))
                                  .where(PolicyMatch.policy_id == policy_id))
        pairs = db.session.execute(select(Notification.enterprise_id, Notification.channel)
                                   .where(Notification.policy_id == policy_id)).all()
        return matches, firms, len(pairs), len(set(pairs))


def test_crash_mid_chunk_resumes_without_duplicates(app, client, editor_token, bearer, firms, monkeypatch):
    headers = bearer(editor_token)
    policy_id = _publish(client, headers)
    assert client.get(f"/api/v1/policies/{policy_id}/fanout", headers=headers).get_json()["processed"] == 0
    assert _rows(app, policy_id) == (0, 0, 0, 0)

    now = utcnow()
    real = reconcile.queue_alerts
    calls = []

    def crash_on_second_chunk(*args, **kwargs):
        calls.append(1)
        queued = real(*args, **kwargs)  # the second chunk's rows are written, then the worker dies
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return queued

    with app.app_context():
        job_id = fanout.claim("worker-1", now=now)
        assert job_id is not None
        monkeypatch.setattr(reconcile, "queue_alerts", crash_on_second_chunk)
        with pytest.raises(RuntimeError, match="worker killed"):
            fanout.run(job_id, "worker-1", now=now)
        db.session.rollback()
        db.session.remove()
    monkeypatch.setattr(reconcile, "queue_alerts", real)

    # Only the first chunk (two firms, two channels each) is committed; the job still holds its lease.
    assert _rows(app, policy_id) == (2, 2, 4, 4)
    progress = client.get(f"/api/v1/policies/{policy_id}/fanout", headers=headers).get_json()
    assert progress["state"] == "running" and progress["processed"] == 2 and progress["total"] == 7
    assert progress["notifications_queued"] == 4
    with app.app_context():
        # Another worker cannot take it while the dead one's lease runs; it can once the lease ran out.
        assert fanout.claim("worker-2", now=now + timedelta(seconds=10)) is None
        later = now + timedelta(seconds=app.config["FANOUT_LEASE_SECONDS"] + 1)
        assert fanout.claim("worker-2", now=later) == job_id
        job = fanout.run(job_id, "worker-2", now=later)
        assert job.state == "done" and job.chunks == 4  # one chunk before the crash, three after it (7 firms)
        assert fanout.claim("worker-3", now=later) is None

    assert _rows(app, policy_id) == (7, 7, 14, 14)
    progress = client.get(f"/api/v1/policies/{policy_id}/fanout", headers=headers).get_json()
    assert progress == progress | {"state": "done", "total": 7, "processed": 7, "matched": 7,
                                   "notifications_queued": 14}
    # Running the whole policy again finds nothing to do.
    with app.app_context():
        policy = db.session.get(reconcile.Policy, policy_id)
        again = reconcile.reconcile_policy(policy, now=later)
        assert (again.newly_eligible, again.notifications_queued, again.deactivated) == (0, 0, 0)


def test_a_stopping_worker_commits_its_chunk_and_lets_another_resume_at_once(app, client, editor_token, bearer, firms):
    headers = bearer(editor_token)
    policy_id = _publish(client, headers)
    now = utcnow()
    asked = []

    def stop_after_first_chunk() -> bool:  # SIGTERM arrives while the first chunk is written
        asked.append(1)
        return True

    with app.app_context():
        job_id = fanout.claim("worker-1", now=now)
        job = fanout.run(job_id, "worker-1", now=now, should_stop=stop_after_first_chunk)
        assert (job.state, job.chunks, job.processed, job.lease_owner, job.leased_until) == ("running", 1, 2, None, None)
        assert asked == [1]
    assert _rows(app, policy_id) == (2, 2, 4, 4)
    with app.app_context():
        # No waiting out a lease: the next worker takes the job now and goes on from the cursor.
        assert fanout.claim("worker-2", now=now) == job_id
        job = fanout.run(job_id, "worker-2", now=now)
        assert (job.state, job.chunks, job.processed) == ("done", 4, 7)
        # A worker told to stop before it starts claims nothing.
        assert fanout.run_pending("worker-3", now=now, should_stop=lambda: True) == 0
    assert _rows(app, policy_id) == (7, 7, 14, 14)


def test_worker_command_finishes_the_job_and_the_page_shows_it(app, client, runner, editor_token, bearer, firms):
    headers = bearer(editor_token)
    policy_id = _publish(client, headers)
    result = runner.invoke(args=["policies", "fanout", "--once"])
    assert result.exit_code == 0, result.output
    assert "fanout jobs run: 1" in result.output
    progress = client.get(f"/api/v1/policies/{policy_id}/fanout", headers=headers).get_json()
    assert (progress["state"], progress["matched"], progress["notifications_queued"]) == ("done", 7, 14)
    assert _rows(app, policy_id) == (7, 7, 14, 14)
    assert client.post("/login", data={"username": "editor", "password": "correct-horse-battery"}).status_code == 302
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "匹配推送进度（发布，第 1 版）：已完成 · 已处理 7 / 7 家 · 新增待推送 14 条" in page


def test_withdraw_stops_a_queued_fanout(app, client, editor_token, bearer, firms):
    headers = bearer(editor_token)
    policy_id = _publish(client, headers)
    assert client.post(f"/api/v1/policies/{policy_id}/withdraw", headers=headers).status_code == 200
    assert client.get(f"/api/v1/policies/{policy_id}/fanout", headers=headers).get_json()["state"] == "cancelled"
    with app.app_context():
        assert fanout.run_pending("worker-1") == 0
    assert _rows(app, policy_id) == (0, 0, 0, 0)
    # Republishing queues a new job, named so.
    again = client.post(f"/api/v1/policies/{policy_id}/publish", headers=headers)
    assert again.status_code == 202 and again.get_json()["fanout"]["trigger"] == "republish"


def test_a_job_overtaken_by_an_edit_runs_the_new_version(app, client, editor_token, bearer, firms):
    headers = bearer(editor_token)
    policy_id = _publish(client, headers)
    edited = client.patch(f"/api/v1/policies/{policy_id}", headers=headers,
                          json={"criteria": CRITERIA | {"industries": ["3252", "1771"]}})
    assert edited.status_code == 200, edited.get_json()
    with app.app_context():
        jobs = db.session.execute(select(FanoutJob.state, FanoutJob.trigger).where(
            FanoutJob.policy_id == policy_id)).all()
        assert [tuple(j) for j in jobs] == [("queued", "edit")]  # one job, taken over by the edit
        assert fanout.run_pending("worker-1") == 1
    assert _rows(app, policy_id) == (9, 9, 16, 16)


def test_fanout_progress_endpoint_errors(app, client, editor_token, bearer):
    headers = bearer(editor_token)
    assert client.get("/api/v1/policies/999/fanout", headers=headers).status_code == 404
    assert client.get("/api/v1/policies/999/fanout").status_code == 401
    draft = client.post("/api/v1/policies", headers=headers, json={"title": ALUMINIUM[0], "body": ALUMINIUM[1]})
    progress = client.get(f"/api/v1/policies/{draft.get_json()['id']}/fanout", headers=headers)
    assert progress.status_code == 200 and progress.get_json()["state"] == "none"


def test_embedded_default_answers_as_before(make_app, make_enterprise, editor_token, bearer):
    app = make_app()  # FANOUT=inline: the job runs in the publishing process right after the commit
    client = app.test_client()
    make_enterprise(1, industry_code="3252", mobile="13800000001", channels=["sms"])
    headers = bearer(editor_token)
    created = client.post("/api/v1/policies", headers=headers,
                          json={"title": ALUMINIUM[0], "body": ALUMINIUM[1], "criteria": CRITERIA})
    published = client.post(f"/api/v1/policies/{created.get_json()['id']}/publish", headers=headers)
    assert published.status_code == 200
    body = published.get_json()
    assert (body["matched"], body["notifications_queued"], body["fanout"]["state"]) == (1, 1, "done")


def test_two_publishes_at_once_publish_once(app, client, editor_token, bearer, firms, monkeypatch):
    """The publish row lock: the second request waits for the first's commit, then finds the policy published."""
    import threading

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers on the whole file)")
    headers = bearer(editor_token)
    created = client.post("/api/v1/policies", headers=headers,
                          json={"title": ALUMINIUM[0], "body": ALUMINIUM[1], "criteria": CRITERIA})
    policy_id = created.get_json()["id"]
    real = fanout.schedule
    inside = threading.Barrier(2, timeout=5)

    def slow_schedule(*args, **kwargs):
        try:
            inside.wait()  # both requests are inside publish: without the lock both would get here
        except threading.BrokenBarrierError:
            pass
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout, "schedule", slow_schedule)
    statuses: list[int] = []

    def publish() -> None:
        statuses.append(app.test_client().post(f"/api/v1/policies/{policy_id}/publish", headers=headers).status_code)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [202, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(FanoutJob.policy_id == policy_id)) == 1
