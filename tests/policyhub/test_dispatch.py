"""The outbox dispatcher against real servers on loopback: exactly once through faults, leases, quiet hours."""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from notifier.channels import GatewaySmsChannel, OutgoingMessage
from policyhub.delivery import CaptureChannel, build_dispatcher
from policyhub.extensions import db
from policyhub.models import Notification
from policyhub.push.dispatch import Dispatcher, claim, worker_id

SH = ZoneInfo("Asia/Shanghai")
DAYTIME = datetime(2026, 11, 26, 10, 0, tzinfo=SH)


def add_rows(app, n, channel="email", recipient=None, kind="policy_match"):
    with app.app_context():
        for i in range(n):
            to = recipient or (f"user{i}@example.com" if channel == "email" else f"1380000{i:04d}")
            db.session.add(Notification(kind=kind, channel=channel, idempotency_key=f"test:{channel}:{i}",
                                        recipient=to, subject="惠企政策推送：滨州市铝业扶持政策" if channel == "email" else "",
                                        body_text=f"第 {i} 条：政策内容", body_html=f"<p>第 {i} 条</p>",
                                        headers={"unsubscribe_url": "http://127.0.0.1:5000/unsubscribe/x"},
                                        next_attempt_at=DAYTIME - timedelta(minutes=1),
                                        created_at=DAYTIME - timedelta(minutes=1)))
        db.session.commit()


def statuses(app):
    with app.app_context():
        return sorted((n.status, n.attempts) for n in db.session.scalars(select(Notification)))


@pytest.fixture
def mail_app(make_app, smtp_server):
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                    MAIL_DEFAULT_SENDER="惠企政策平台 <noreply@example.gov.cn>")


def test_email_through_flask_mail_to_a_real_smtp_server(mail_app, smtp_server, make_enterprise, editor_token):
    client = mail_app.test_client()
    make_enterprise(1, name="邹平宏泰铝业有限公司", email="hongtai@example.com", channels=["email"], region_code="371681",
                    business_scope="铝型材生产")
    headers = {"Authorization": f"Bearer {editor_token}"}
    policy = client.post("/api/v1/policies", headers=headers, json={
        "title": "滨州市支持中小微铝加工企业发展的若干措施", "body": "支持对象：本市铝压延加工中小微企业。"}).get_json()
    assert client.post(f"/api/v1/policies/{policy['id']}/publish", headers=headers).get_json()[
        "notifications_queued"] == 1
    result = mail_app.test_cli_runner().invoke(args=["notify", "dispatch", "--once"])
    assert "sent: 1" in result.output, result.output
    [message] = smtp_server.handler.messages()
    assert message["To"] == "hongtai@example.com"
    assert "滨州市支持中小微铝加工企业发展的若干措施" in message["Subject"]
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "匹配原因" in text and "行业：3252" in text
    assert "邹平宏泰铝业有限公司" in html
    with mail_app.app_context():
        row = db.session.scalar(select(Notification))
        assert row.status == "sent" and row.provider_message_id and row.sent_at


def test_smtp_down_then_back_delivers_each_once(mail_app, smtp_server):
    add_rows(mail_app, 5)
    smtp_server.stop()
    with mail_app.app_context():
        dispatcher = build_dispatcher(mail_app)
        down = dispatcher.run_once(DAYTIME)
        assert down.sent == 0 and down.claimed == 5
    # Nothing lost, and the rows not tried while the server was down did not spend an attempt.
    assert [s for s, _ in statuses(mail_app)] == ["pending"] * 5
    assert sum(a for _, a in statuses(mail_app)) <= 1
    smtp_server.start()
    with mail_app.app_context():
        up = dispatcher.drain(DAYTIME + timedelta(hours=3))
    assert up.sent == 5
    keys = [m["X-Policyhub-Key"] for m in smtp_server.handler.messages()]
    assert sorted(keys) == sorted(f"test:email:{i}" for i in range(5))  # each exactly once


def test_permanent_smtp_refusal_fails_at_once_with_the_reason(mail_app, smtp_server):
    add_rows(mail_app, 1, recipient="nobody@example.com")
    smtp_server.handler.rcpt_replies["nobody@example.com"] = "550 5.1.1 no such user"
    with mail_app.app_context():
        report = build_dispatcher(mail_app).drain(DAYTIME + timedelta(hours=5))
        row = db.session.scalar(select(Notification))
        assert (row.status, row.attempts) == ("failed", 1)
        assert "550" in row.last_error
    assert report.failed == 1 and report.retried == 0


@pytest.fixture
def gateway(loopback):
    app = loopback.GatewayApp()
    server = loopback.HttpServer(app).start()
    yield app, server
    server.stop()


def sms_dispatcher(url, **kwargs):
    return Dispatcher({"sms": GatewaySmsChannel(url, timeout=(1.0, 0.5))}, quiet_hours=False, **kwargs)


def test_gateway_errors_and_timeouts_then_healthy_each_sms_once(app, gateway, loopback):
    gateway_app, server = gateway
    add_rows(app, 4, channel="sms")
    gateway_app.script.extend([loopback.Reply(500, {"error": "busy"}), loopback.Reply(503, {"error": "busy"})])
    gateway_app.slow.extend([2.0])  # the next request is processed but answered too late: a read timeout
    with app.app_context():
        dispatcher = sms_dispatcher(server.url)
        first = dispatcher.run_once(DAYTIME)
        assert first.sent < 4
        # Retries fall due after their backoff (at most 2 h), so each later pass finds what failed before.
        later = [dispatcher.drain(DAYTIME + timedelta(hours=hours)) for hours in (3, 6, 9)]
    assert first.sent + sum(r.sent for r in later) == 4
    # The gateway saw retries, but each idempotency key reached a phone once.
    assert sorted(gateway_app.sent) == sorted(f"test:sms:{i}" for i in range(4))
    assert [s for s, _ in statuses(app)] == ["sent"] * 4


def test_invalid_number_fails_without_retries(app, gateway):
    gateway_app, server = gateway
    add_rows(app, 1, channel="sms", recipient="12345")
    with app.app_context():
        dispatcher = sms_dispatcher(server.url)
        dispatcher.drain(DAYTIME)
        dispatcher.drain(DAYTIME + timedelta(days=1))
        row = db.session.scalar(select(Notification))
        assert (row.status, row.attempts) == ("failed", 1)
        assert "invalid_number" in row.last_error
    assert len(gateway_app.requests) == 1


def test_worker_killed_mid_batch_rows_come_back_after_the_lease(app, gateway):
    gateway_app, server = gateway
    add_rows(app, 3, channel="sms")
    with app.app_context():
        # Worker A claims, sends the first message, and dies before recording anything.
        rows = claim(now=DAYTIME, limit=10, lease=timedelta(minutes=5), owner="worker-a", channels=("sms",))
        GatewaySmsChannel(server.url).send(OutgoingMessage(channel="sms", recipient=rows[0].recipient,
                                                           text=rows[0].body_text,
                                                           idempotency_key=rows[0].idempotency_key))
        db.session.rollback()
        worker_b = sms_dispatcher(server.url, owner="worker-b")
        assert worker_b.run_once(DAYTIME + timedelta(minutes=1)).claimed == 0  # still leased to A
        report = worker_b.drain(DAYTIME + timedelta(minutes=6))
    assert report.sent == 3
    assert len(gateway_app.sent) == 3  # the message A sent was not sent again
    assert [s for s, _ in statuses(app)] == ["sent"] * 3


def test_gives_up_after_max_attempts(app, gateway, loopback):
    gateway_app, server = gateway
    add_rows(app, 1, channel="sms")
    gateway_app.script.extend([loopback.Reply(500, {"error": "down"})] * 3)
    with app.app_context():
        dispatcher = sms_dispatcher(server.url, max_attempts=3)
        for hours in (0, 3, 6, 9):
            dispatcher.drain(DAYTIME + timedelta(hours=hours))
        row = db.session.scalar(select(Notification))
        assert (row.status, row.attempts) == ("dead", 3)


def test_sms_waits_for_morning_email_does_not(app):
    add_rows(app, 1, channel="sms")
    add_rows(app, 1, channel="email")
    night = datetime(2026, 11, 26, 22, 30, tzinfo=SH)
    with app.app_context():
        dispatcher = Dispatcher({"sms": CaptureChannel("sms"), "email": CaptureChannel("email")})
        assert dispatcher.run_once(night).sent == 1
        assert db.session.scalar(select(Notification.status).where(Notification.channel == "sms")) == "pending"
        assert dispatcher.run_once(night + timedelta(hours=10)).sent == 1


def test_two_workers_share_the_work_without_sending_twice(app):
    add_rows(app, 60, channel="email")
    channel = CaptureChannel("email")
    sent: list[str] = []
    lock = threading.Lock()
    original = channel.send

    def recording(message):
        with lock:
            sent.append(message.idempotency_key)
        return original(message)

    channel.send = recording

    def work(owner):
        with app.app_context():
            Dispatcher({"email": channel}, batch_size=7, owner=owner).drain(DAYTIME)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent) == sorted(f"test:email:{i}" for i in range(60))
    assert [s for s, _ in statuses(app)] == ["sent"] * 60


def test_a_worker_with_three_sending_threads_sends_each_message_once(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False,
                   MAIL_DEFAULT_SENDER="惠企政策平台 <noreply@example.gov.cn>", DISPATCH_BATCH_SIZE=4)
    add_rows(app, 30, channel="email")
    result = app.test_cli_runner().invoke(args=["notify", "dispatch", "--once", "--threads", "3"])
    assert result.exit_code == 0, result.output
    assert "with 3 sending thread(s)" in result.output
    keys = sorted(m["X-Policyhub-Key"] for m in smtp_server.handler.messages())
    assert keys == sorted(f"test:email:{i}" for i in range(30))
    with app.app_context():
        rows = list(db.session.scalars(select(Notification)))
        assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
        # Each thread under its own lease owner: the worker's, or the worker's with the thread's number.
        base = worker_id()  # the CLI ran in this process
        assert {r.lease_owner for r in rows} <= {base, f"{base}:1", f"{base}:2"}

def test_notifications_api_and_page(app, client, make_user, bearer):
    add_rows(app, 2, channel="sms")
    token = make_user("clerk", "editor", "gxj")
    body = client.get("/api/v1/notifications?status=pending&channel=sms", headers=bearer(token)).get_json()
    assert body["total"] == 2 and body["items"][0]["recipient"].startswith("138****")
    assert client.get("/api/v1/notifications?status=lost", headers=bearer(token)).status_code == 422
    client.post("/login", data={"username": "clerk", "password": "correct-horse-battery"})
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert "待发送 2" in page and "13800000000" not in page


def test_make_run_without_configuration_captures_messages(app):
    add_rows(app, 1, channel="email")
    with app.app_context():
        report = build_dispatcher(app).drain(DAYTIME)
        row = db.session.scalar(select(Notification))
    assert report.sent == 1 and row.provider_message_id.startswith("captured:email:")


def test_a_given_now_is_the_clock_for_everything_the_batch_records(app, gateway, loopback):
    """sent_at and the next attempt come from the `now` given, not from the wall clock (a replay, `--now`)."""
    gateway_app, server = gateway
    add_rows(app, 2, channel="sms")
    gateway_app.script.extend([loopback.Reply(429, {"error": "slow down"})])
    later = DAYTIME + timedelta(days=400)
    # A 429 pauses the channel for a minute (the circuit); the next pass, after it, sends the other row.
    after_pause = later + timedelta(minutes=2)
    with app.app_context():
        sms_dispatcher(server.url, batch_size=1).run_once(later)
        sms_dispatcher(server.url, batch_size=1).run_once(after_pause)
        rows = {n.idempotency_key: n for n in db.session.scalars(select(Notification))}
        retried, sent = rows["test:sms:0"], rows["test:sms:1"]
        assert retried.status == "pending" and later <= retried.next_attempt_at <= later + timedelta(hours=2)
        assert sent.status == "sent" and sent.sent_at == after_pause


def test_a_channel_found_down_pauses_instead_of_spending_every_rows_attempts(app):
    """A two-hour outage, passes every minute: only probes spend attempts; nothing dead, each sent once."""
    from notifier.channels import FakeChannel, TransientError
    from policyhub.models import ChannelCircuit

    add_rows(app, 50, channel="email")
    down = {"on": True}

    def handler(message):
        if down["on"]:
            raise TransientError("connection refused", channel_wide=True)
        return None

    channel = FakeChannel("email", handler=handler)
    with app.app_context():
        workers = [Dispatcher({"email": channel}, owner=name, batch_size=20) for name in ("a", "b")]
        first = workers[0].run_once(DAYTIME)
        assert (first.claimed, first.retried, first.released) == (20, 1, 19)
        assert workers[1].run_once(DAYTIME + timedelta(seconds=10)).paused == ["email"]  # shared by every worker
        for minute in range(1, 121):
            for worker in workers:
                worker.drain(DAYTIME + timedelta(minutes=minute))
        circuit = db.session.get(ChannelCircuit, "email")
        assert circuit.failures >= 5 and circuit.open_until is not None
        probes = len(channel.attempts)
        assert probes <= 15
        down["on"] = False
        back = DAYTIME + timedelta(hours=3)
        workers[0].drain(back)
        workers[1].drain(back + timedelta(hours=3))
        db.session.expire_all()
        assert db.session.get(ChannelCircuit, "email").open_until is None
    assert [s for s, _ in statuses(app)] == ["sent"] * 50
    assert sorted(channel.delivered) == sorted(f"test:email:{i}" for i in range(50))
    assert len(channel.sent) == 50
    assert sum(a for _, a in statuses(app)) <= 50 + probes


def test_a_batch_that_lost_its_lease_stops(app, monkeypatch):
    """Our worker stalled past its lease and another took the rows over: we send none of them."""
    from sqlalchemy import text

    from notifier.channels import FakeChannel
    from policyhub.push import dispatch

    add_rows(app, 4, channel="email")
    clock = [DAYTIME]
    monkeypatch.setattr(dispatch, "utcnow", lambda: clock[0])
    lease = timedelta(minutes=5)

    def stall_and_be_robbed(message):
        clock[0] += lease + timedelta(seconds=1)  # a stall longer than the lease (a paused VM, a hung relay)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE notification SET lease_owner = 'thief', leased_until = :until "
                                    "WHERE status = 'sending' AND idempotency_key <> :key"),
                               {"key": message.idempotency_key, "until": clock[0] + lease})
        return None

    channel = FakeChannel("email", handler=stall_and_be_robbed)
    with app.app_context():
        report = Dispatcher({"email": channel}, owner="slow", lease=lease).run_once()
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(r.status, r.lease_owner) for r in rows] == [("sent", "slow")] + [("sending", "thief")] * 3
    assert len(channel.sent) == 1 and report.lease_lost == 3


def test_a_batch_whose_row_was_taken_while_sending_stops(app):
    """The record finds the row it just sent no longer ours: the batch stops and gives the rest back untried."""
    from sqlalchemy import text

    from notifier.channels import FakeChannel

    add_rows(app, 4, channel="email")

    def robbed_of_this_one(message):
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE notification SET lease_owner = 'thief' WHERE idempotency_key = :key"),
                               {"key": message.idempotency_key})
        return None

    channel = FakeChannel("email", handler=robbed_of_this_one)
    with app.app_context():
        report = Dispatcher({"email": channel}, owner="slow").run_once(DAYTIME)
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(r.status, r.lease_owner) for r in rows] == [("sending", "thief")] + [("pending", None)] * 3
    assert len(channel.sent) == 1 and (report.sent, report.lease_lost, report.released) == (0, 3, 3)


def test_a_relay_slower_than_the_lease_sends_nothing_twice(app):
    """The batch renews its lease at half-time, so a second worker never claims rows a slow batch still holds."""
    from notifier.channels import FakeChannel

    add_rows(app, 6, channel="email")

    def slow(message):
        time.sleep(0.4)
        return None

    channel = FakeChannel("email", handler=slow)
    lease = timedelta(seconds=1.5)  # the batch of 6 takes 2.4 s
    done = threading.Event()

    def slow_worker():
        with app.app_context():
            Dispatcher({"email": channel}, owner="slow", lease=lease).run_once()
            db.session.remove()
        done.set()

    def eager_worker():
        with app.app_context():
            while not done.is_set():
                Dispatcher({"email": channel}, owner="eager", lease=lease).run_once()
                time.sleep(0.1)
            db.session.remove()

    threads = [threading.Thread(target=slow_worker), threading.Thread(target=eager_worker)]
    threads[0].start()
    time.sleep(0.2)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=60)
    keys = [m.idempotency_key for m in channel.sent]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 6


def test_dispatch_settings_come_from_the_config(make_app):
    app = make_app(DISPATCH_LEASE_SECONDS=42, DISPATCH_BACKOFF_BASE_SECONDS=5, DISPATCH_BACKOFF_CAP_SECONDS=60,
                   DISPATCH_MAX_ATTEMPTS=3, DISPATCH_CIRCUIT_WAIT_SECONDS=7, DISPATCH_CIRCUIT_MAX_WAIT_SECONDS=70)
    with app.app_context():
        dispatcher = build_dispatcher(app)
    assert dispatcher.lease == timedelta(seconds=42) and dispatcher.max_attempts == 3
    assert (dispatcher.backoff_base, dispatcher.backoff_cap) == (timedelta(seconds=5), timedelta(seconds=60))
    assert (dispatcher.circuit_wait, dispatcher.circuit_max_wait) == (timedelta(seconds=7), timedelta(seconds=70))


def test_settings_are_read_from_the_environment():
    from policyhub.config import from_environment

    config = from_environment({"POLICYHUB_DISPATCH_LEASE_SECONDS": "90", "POLICYHUB_DISPATCH_MAX_ATTEMPTS": "4"})
    assert config == {"DISPATCH_LEASE_SECONDS": 90.0, "DISPATCH_MAX_ATTEMPTS": 4}
