"""Tests for notifier.channels against real servers on loopback: aiosmtpd for email, HTTP for SMS."""

from __future__ import annotations

import gc
import importlib.util
import json
import smtplib
import socket
import sys
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from notifier.channels import (
    AliyunSmsChannel,
    DeliveryError,
    FakeChannel,
    GatewaySmsChannel,
    OutgoingMessage,
    PermanentError,
    SendResult,
    SmtpConnector,
    SmtpEmailChannel,
    TransientError,
    open_batch,
    render_email,
)
from notifier.channels.aliyun import canonicalized_query, classify_aliyun_code, percent_encode, sign, string_to_sign

# servers.py is shared with bench/; loaded by path (tests/ is not a package).
_spec = importlib.util.spec_from_file_location("notifier_test_servers", Path(__file__).with_name("servers.py"))
servers = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = servers
_spec.loader.exec_module(servers)

SENDER = "滨州市惠企政策平台 <noreply@zc.binzhou.gov.cn>"
NOW = datetime(2025, 3, 10, 2, 30, tzinfo=UTC)
SHORT = 0.3  # seconds: the timeout the fault tests wait for


@pytest.fixture(autouse=True)
def no_thread_left():
    """Every thread a test starts (servers, their handlers) has ended when it returns."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2
    while (extra := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not extra, f"threads left running: {extra}"


@pytest.fixture(autouse=True, scope="module")
def no_socket_left():
    """No socket is left for the garbage collector to close (checked once: a full collection is slow)."""
    yield
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not leaks, leaks


def email(recipient: str = "zhang@example.com", key: str | None = "notification-1", **fields) -> OutgoingMessage:
    values = {
        "subject": "新政策推送：《滨州市支持高端铝业发展的若干措施》",
        "text": "滨州某铝业有限公司：\n\n为贵企业匹配到一项新政策。\n",
        "html": "<p>滨州某铝业有限公司：</p><p>为贵企业匹配到一项<strong>新政策</strong>。</p>",
        "unsubscribe_url": "https://zc.binzhou.gov.cn/unsubscribe/abc?sig=1",
        **fields,
    }
    return OutgoingMessage(channel="email", recipient=recipient, idempotency_key=key, **values)


def sms(recipient: str = "13800138000", key: str | None = "notification-2", **fields) -> OutgoingMessage:
    values = {"text": "惠企政策提醒：《滨州市支持高端铝业发展的若干措施》与贵企业相关，详见 https://zc.binzhou.gov.cn/p/1",
              "template_code": "SMS_123456789", "template_params": {"title": "滨州市支持高端铝业发展的若干措施"},
              **fields}
    return OutgoingMessage(channel="sms", recipient=recipient, idempotency_key=key, **values)


class CountingConnector:
    """Wraps a connector and counts the connections it opens."""

    def __init__(self, connector):
        self.connector = connector
        self.opened = 0

    def __call__(self):
        self.opened += 1
        return self.connector()


@pytest.fixture
def smtp_server():
    with servers.SmtpServer() as server:
        yield server


@pytest.fixture
def connector(smtp_server):
    return CountingConnector(SmtpConnector(smtp_server.host, smtp_server.port, timeout=2, local_hostname="test"))


@pytest.fixture
def channel(connector):
    return SmtpEmailChannel(connector, SENDER, clock=lambda: NOW)


# --- the message, the errors, the fake -------------------------------------------------------


@pytest.mark.parametrize("fields", [
    {"subject": "标题\r\nBcc: victim@example.com"},
    {"recipient": "a@example.com\nBcc: b@example.com"},
    {"headers": {"X-Note": "a\nb"}},
    {"idempotency_key": "k\r\n"},
])
def test_a_line_break_in_a_header_field_is_refused(fields):
    values = {"channel": "email", "recipient": "a@example.com", "text": "正文", **fields}
    with pytest.raises(ValueError, match="line break"):
        OutgoingMessage(**values)


def test_a_message_checks_its_channel_recipient_and_template_params():
    with pytest.raises(ValueError, match="channel"):
        OutgoingMessage(channel="fax", recipient="x", text="t")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="recipient"):
        OutgoingMessage(channel="sms", recipient=" ", text="t")
    with pytest.raises(ValueError, match="strings"):
        OutgoingMessage(channel="sms", recipient="13800138000", text="t", template_params={"count": 3})  # type: ignore[dict-item]


def test_a_message_survives_a_json_round_trip():
    message = sms(template_params={"title": "政策", "count": "3"})
    assert OutgoingMessage.from_dict(json.loads(json.dumps(message.as_dict(), ensure_ascii=False))) == message


def test_errors_say_whether_a_retry_can_help():
    transient = TransientError("SMS gateway answered 503", code="503", channel_wide=True,
                               retry_after=timedelta(seconds=30))
    permanent = PermanentError("SMTP RCPT TO refused: 550 no such user", code="550")
    assert transient.retryable and not permanent.retryable
    assert isinstance(transient, DeliveryError) and isinstance(permanent, DeliveryError)
    assert str(permanent) == "SMTP RCPT TO refused: 550 no such user [550]"
    assert transient.retry_after == timedelta(seconds=30) and not transient.maybe_sent


def test_fake_channel_plays_its_script_then_accepts_and_shows_duplicates():
    fake = FakeChannel("sms", script=[TransientError("gateway down", channel_wide=True)])
    with pytest.raises(TransientError):
        fake.send(sms())
    first = fake.send(sms())
    again = fake.send(sms())
    assert not first.duplicate and again.duplicate
    assert len(fake.attempts) == 3 and len(fake.sent) == 2 and list(fake.delivered) == ["notification-2"]
    with open_batch(fake) as batch:
        batch.send(sms(key="notification-3"))
    assert fake.batches == 1


def test_open_batch_of_a_channel_without_batches_is_the_channel():
    class Plain:
        name = "plain"

        def send(self, message):
            return SendResult("p-1")

    plain = Plain()
    with open_batch(plain) as batch:
        assert batch is plain


# --- rendering -------------------------------------------------------------------------------


def test_render_email_sets_the_headers_and_both_parts():
    mail = render_email(email(), SENDER, date=NOW, message_id_domain="zc.binzhou.gov.cn")
    assert mail["Message-ID"] == "<notification-1.policyhub@zc.binzhou.gov.cn>"
    assert mail["X-Policyhub-Key"] == "notification-1"
    assert mail["List-Unsubscribe"] == "<https://zc.binzhou.gov.cn/unsubscribe/abc?sig=1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Date"] == "Mon, 10 Mar 2025 10:30:00 +0800"
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.get_payload()] == ["text/plain", "text/html"]


@pytest.mark.parametrize("fields", [
    {},
    {"html": None},
    {"subject": "ASCII only", "unsubscribe_url": None},
    {"text": "第一行\r\n第二行\n" + "很长的一行" * 40, "subject": "【滨州惠企】" * 9},
    {"text": "", "html": "", "headers": {"X-Campaign": "春季专项"}},
], ids=["alternative", "text only", "ascii", "long lines", "empty parts"])
@pytest.mark.parametrize("key", [None, "notification-1", "match:12:345:email"])
def test_the_wire_bytes_are_the_generators_byte_for_byte(fields, key):
    from notifier.channels.smtp import WIRE, wire_bytes

    mail = render_email(email(key=key, **fields), SENDER, date=NOW, message_id_domain="zc.binzhou.gov.cn")
    assert wire_bytes(mail) == mail.as_bytes(policy=WIRE)
    mail.preamble = "a preamble the fast path does not write"
    assert wire_bytes(mail) == mail.as_bytes(policy=WIRE)


def test_the_message_id_is_stable_per_key_and_safe_for_any_key():
    render = lambda key: render_email(email(key=key), SENDER, date=NOW, message_id_domain="x.cn")["Message-ID"]  # noqa: E731
    assert render("n-1") == render("n-1") != render("n-2")
    odd = render("政策/1 <b>")
    assert odd.startswith("<") and odd.endswith(".policyhub@x.cn>") and odd.isascii()
    assert render(None) != render(None)  # no key: a fresh id each time


def test_a_chinese_domain_goes_out_in_idna_form():
    mail = render_email(email(recipient="li@滨州.中国"), SENDER, date=NOW, message_id_domain="x.cn")
    assert mail["To"] == "li@xn--6rt329a.xn--fiqs8s"


def test_a_text_only_email_is_a_single_part():
    mail = render_email(email(html=None), SENDER, date=NOW, message_id_domain="x.cn")
    assert mail.get_content_type() == "text/plain" and mail["MIME-Version"] == "1.0"
    assert mail.get_payload(decode=True).decode("utf-8") == email().text.replace("\n", "\r\n")


def test_extra_headers_go_out_but_cannot_replace_the_channels_own():
    mail = render_email(email(headers={"X-Policy-Id": "42", "X-Department": "工信局"}), SENDER, date=NOW,
                        message_id_domain="x.cn")
    assert mail["X-Policy-Id"] == "42" and mail["X-Department"] == "=?utf-8?b?5bel5L+h5bGA?="
    for name in ("Bcc", "message-id", "List-Unsubscribe", "Bad Name"):
        with pytest.raises(ValueError, match="cannot be set"):
            render_email(email(headers={name: "x"}), SENDER, date=NOW, message_id_domain="x.cn")


def test_an_unsubscribe_link_with_chinese_is_percent_encoded():
    mail = render_email(email(unsubscribe_url="https://zc.binzhou.gov.cn/退订?id=1&sig=a%2Bb"), SENDER,
                        date=NOW, message_id_domain="x.cn")
    assert mail["List-Unsubscribe"] == "<https://zc.binzhou.gov.cn/%E9%80%80%E8%AE%A2?id=1&sig=a%2Bb>"


# --- SMTP against aiosmtpd -------------------------------------------------------------------


def test_a_chinese_email_arrives_intact(channel, smtp_server):
    message = email()
    result = channel.send(message)

    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "noreply@zc.binzhou.gov.cn" and envelope.rcpt_tos == ["zhang@example.com"]
    assert envelope.content.isascii(), "7-bit clean: no reliance on 8BITMIME"
    raw_headers = envelope.content.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "Subject: =?utf-8?" in raw_headers, "the Chinese subject is RFC 2047-encoded"

    received = envelope.message()
    assert received["Subject"] == message.subject
    assert received["From"].addresses[0].display_name == "滨州市惠企政策平台"
    assert received["Message-ID"] == result.provider_message_id == "<notification-1.policyhub@zc.binzhou.gov.cn>"
    assert received["X-Policyhub-Key"] == "notification-1"
    assert received["List-Unsubscribe"] == "<https://zc.binzhou.gov.cn/unsubscribe/abc?sig=1>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, rich = received.iter_parts()
    assert plain.get_content_type() == "text/plain" and plain.get_content_charset() == "utf-8"
    assert rich.get_content_type() == "text/html" and rich.get_content_charset() == "utf-8"
    # base64 text travels in canonical CRLF form (RFC 2046)
    assert plain.get_content().replace("\r\n", "\n") == message.text
    assert rich.get_content().strip() == message.html
    assert result.detail.startswith("250 ")


def test_a_batch_sends_on_one_connection(channel, connector, smtp_server):
    with channel.batch() as batch:
        for n in range(5):
            batch.send(email(key=f"n-{n}"))
    assert connector.opened == 1
    assert [m["X-Policyhub-Key"] for m in smtp_server.handler.messages()] == [f"n-{n}" for n in range(5)]


def test_a_batch_reconnects_after_max_per_connection(connector, smtp_server):
    channel = SmtpEmailChannel(connector, SENDER, max_per_connection=2)
    with channel.batch() as batch:
        for n in range(5):
            batch.send(email(key=f"n-{n}"))
    assert connector.opened == 3 and smtp_server.handler.accepted == 5


def test_an_unknown_mailbox_is_permanent_and_the_batch_goes_on(channel, connector, smtp_server):
    smtp_server.handler.rcpt_replies["nobody@example.com"] = "550 5.1.1 <nobody@example.com>: user unknown"
    with channel.batch() as batch:
        with pytest.raises(PermanentError) as refused:
            batch.send(email(recipient="nobody@example.com", key="n-1"))
        batch.send(email(key="n-2"))
    assert refused.value.code == "550" and not refused.value.channel_wide
    assert "RCPT TO" in refused.value.reason and "user unknown" in refused.value.reason
    assert connector.opened == 1 and [m["X-Policyhub-Key"] for m in smtp_server.handler.messages()] == ["n-2"]


def test_a_busy_mailbox_is_transient(channel, smtp_server):
    smtp_server.handler.rcpt_replies["busy@example.com"] = "450 4.2.1 mailbox busy, try later"
    with pytest.raises(TransientError) as busy:
        channel.send(email(recipient="busy@example.com"))
    assert busy.value.code == "450" and not busy.value.channel_wide and not busy.value.maybe_sent


@pytest.mark.parametrize(("reply", "error"), [
    ("554 5.7.1 message content rejected", PermanentError),
    ("451 4.3.0 temporary failure, try again", TransientError),
])
def test_a_refused_data_is_classified_by_its_code(channel, smtp_server, reply, error):
    smtp_server.handler.data_replies.append(reply)
    with pytest.raises(error) as refused:
        channel.send(email())
    assert refused.value.code == reply[:3] and "DATA" in refused.value.reason
    assert smtp_server.handler.accepted == 0


def test_smtp_down_then_back_delivers_every_message_exactly_once(smtp_server):
    connector = CountingConnector(SmtpConnector(smtp_server.host, smtp_server.port, timeout=2))
    channel = SmtpEmailChannel(connector, SENDER)
    messages = [email(key=f"n-{n}") for n in range(3)]
    smtp_server.stop()

    pending = []
    with channel.batch() as batch:
        for message in messages:
            with pytest.raises(TransientError) as down:
                batch.send(message)
            assert down.value.channel_wide and not down.value.maybe_sent
            pending.append(message)
    assert connector.opened == 1, "a batch whose server is down fails the rest at once"
    assert "ConnectionRefusedError" in down.value.reason

    smtp_server.start()
    with channel.batch() as batch:
        for message in pending:
            batch.send(message)
    keys = [m["X-Policyhub-Key"] for m in smtp_server.handler.messages()]
    assert sorted(keys) == ["n-0", "n-1", "n-2"]


def test_a_server_lost_mid_batch_is_transient_and_the_batch_reconnects(channel, connector, smtp_server):
    with channel.batch() as batch:
        batch.send(email(key="n-1"))
        smtp_server.stop()
        with pytest.raises(TransientError) as lost:
            batch.send(email(key="n-2"))
        assert lost.value.channel_wide
        smtp_server.start()
        batch.send(email(key="n-3"))
    assert connector.opened == 2
    assert [m["X-Policyhub-Key"] for m in smtp_server.handler.messages()] == ["n-1", "n-3"]


def test_a_server_that_never_greets_times_out_as_transient():
    with socket.socket() as silent:
        silent.bind((servers.HOST, 0))
        silent.listen()  # the kernel accepts the connection; nobody ever speaks
        channel = SmtpEmailChannel(SmtpConnector(servers.HOST, silent.getsockname()[1], timeout=SHORT), SENDER)
        started = time.monotonic()
        with pytest.raises(TransientError) as slow:
            channel.send(email())
    assert time.monotonic() - started < SHORT + 1
    assert slow.value.channel_wide and "connect" in slow.value.reason


def test_a_failed_starttls_closes_its_socket(smtp_server):
    connector = SmtpConnector(smtp_server.host, smtp_server.port, timeout=2, security="starttls")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            connector()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    with pytest.raises(TransientError, match="STARTTLS"):
        SmtpEmailChannel(connector, SENDER).send(email())


def test_a_refused_login_is_permanent_for_the_whole_channel():
    def refuse():
        raise smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid")

    channel = SmtpEmailChannel(refuse, SENDER)
    with pytest.raises(PermanentError) as refused:
        channel.send(email())
    assert refused.value.channel_wide and refused.value.code == "535"


def test_a_refused_sender_is_the_channels_fault(channel, smtp_server):
    bad_sender = SmtpEmailChannel(channel.connect, "noreply@zc.binzhou.gov.cn")

    async def refuse_mail(server, session, envelope, address, mail_options):
        return "553 5.7.1 sender not allowed"

    smtp_server.handler.handle_MAIL = refuse_mail
    with pytest.raises(PermanentError) as refused:
        bad_sender.send(email())
    assert refused.value.channel_wide and "MAIL FROM" in refused.value.reason


def test_a_refused_greeting_is_the_channels_fault(channel, smtp_server):
    async def refuse_ehlo(server, session, envelope, hostname, responses):
        return ["554 5.7.1 you are not welcome"]

    async def refuse_helo(server, session, envelope, hostname):
        return "554 5.7.1 you are not welcome"

    smtp_server.handler.handle_EHLO = refuse_ehlo
    smtp_server.handler.handle_HELO = refuse_helo
    with pytest.raises(PermanentError) as refused:
        channel.send(email())
    assert refused.value.code == "554" and "greeting" in refused.value.reason and refused.value.channel_wide


def test_a_header_the_channel_owns_is_a_permanent_error_for_the_message(channel, smtp_server):
    with pytest.raises(PermanentError, match="cannot build the email") as refused:
        channel.send(email(headers={"Bcc": "someone@example.com"}))
    assert refused.value.code == "render" and smtp_server.handler.accepted == 0


def test_an_address_smtp_cannot_carry_is_permanent(channel):
    with pytest.raises(PermanentError, match="not ASCII"):
        channel.send(email(recipient="张三@example.com"))


# --- Flask-Mail ------------------------------------------------------------------------------


def flask_mail_app(**config):
    from flask import Flask
    from flask_mail import Mail

    app = Flask("notifier-test")
    app.config.update(MAIL_DEFAULT_SENDER=("滨州市惠企政策平台", "noreply@zc.binzhou.gov.cn"), **config)
    return app, Mail(app)


def test_flask_mail_channel_sends_through_the_apps_settings(smtp_server):
    from notifier.channels.flaskmail import FlaskMailEmailChannel

    app, mail = flask_mail_app(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    channel = FlaskMailEmailChannel(mail, timeout=2)
    with mail.record_messages() as outbox, channel.batch() as batch:
        batch.send(email(key="n-1"))
        batch.send(email(key="n-2"))

    received = smtp_server.handler.messages()
    assert [m["X-Policyhub-Key"] for m in received] == ["n-1", "n-2"]
    assert received[0]["Subject"] == email().subject
    assert received[0]["From"].addresses[0].display_name == "滨州市惠企政策平台"
    assert [m.extra_headers["X-Policyhub-Key"] for m in outbox] == ["n-1", "n-2"]
    assert outbox[0].subject == email().subject and outbox[0].recipients == ["zhang@example.com"]
    assert outbox[0].msgId == received[0]["Message-ID"]


def test_flask_mail_channel_sends_nothing_when_suppressed(smtp_server):
    from notifier.channels.flaskmail import FlaskMailEmailChannel

    app, mail = flask_mail_app(TESTING=True, MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    channel = FlaskMailEmailChannel(mail, app)
    with mail.record_messages() as outbox:
        result = channel.send(email())
    assert channel.suppressed and result.provider_message_id.startswith("<notification-1.")
    assert len(outbox) == 1 and smtp_server.handler.accepted == 0


def test_flask_mail_channel_needs_a_server():
    from notifier.channels.flaskmail import FlaskMailEmailChannel

    app, mail = flask_mail_app(MAIL_SERVER=None)
    with pytest.raises(ValueError, match="MAIL_SERVER"):
        FlaskMailEmailChannel(mail, app)


# --- the JSON SMS gateway ---------------------------------------------------------------------


@pytest.fixture
def gateway():
    with servers.HttpServer(servers.GatewayApp(token="s3cret")) as server:
        yield server


@pytest.fixture
def gateway_channel(gateway):
    with GatewaySmsChannel(gateway.url + "sms", token="s3cret", timeout=(SHORT, SHORT)) as channel:
        yield channel


def test_the_gateway_gets_json_with_the_idempotency_key(gateway, gateway_channel):
    result = gateway_channel.send(sms())
    [request] = gateway.app.requests
    assert request.method == "POST" and request.path == "/sms"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Idempotency-Key"] == "notification-2"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.json() == {"to": "13800138000", "text": sms().text, "idempotency_key": "notification-2"}
    assert result == SendResult("gw-1")


def test_the_gateway_sends_a_key_once_however_often_asked(gateway, gateway_channel):
    first = gateway_channel.send(sms())
    again = gateway_channel.send(sms())
    assert again.provider_message_id == first.provider_message_id and again.duplicate
    assert gateway.app.sent == {"notification-2": "gw-1"}


def test_an_invalid_number_is_permanent(gateway_channel):
    with pytest.raises(PermanentError) as refused:
        gateway_channel.send(sms(recipient="12345"))
    assert refused.value.code == "invalid_number" and "12345 is not a mobile number" in refused.value.reason
    assert not refused.value.channel_wide


@pytest.mark.parametrize(("reply", "error", "retry_after"), [
    (servers.Reply(500, {"error": "internal"}), TransientError, None),
    (servers.Reply(503, b"<html>busy</html>", {"Retry-After": "30"}), TransientError, timedelta(seconds=30)),
    (servers.Reply(429, {"error": "rate_limited"}, {"Retry-After": "99999999"}), TransientError,
     timedelta(hours=6)),
    (servers.Reply(422, {"error": "text_too_long", "message": "over 500 characters"}), PermanentError, None),
])
def test_gateway_answers_are_classified(gateway, gateway_channel, reply, error, retry_after):
    gateway.app.script.append(reply)
    with pytest.raises(error) as failed:
        gateway_channel.send(sms())
    assert failed.value.code == str(reply.body.get("error") if isinstance(reply.body, dict) else reply.status)
    assert getattr(failed.value, "retry_after", None) == retry_after


def test_a_bad_token_stops_the_whole_channel(gateway):
    with GatewaySmsChannel(gateway.url, token="wrong") as channel, pytest.raises(PermanentError) as refused:
        channel.send(sms())
    assert refused.value.channel_wide and refused.value.code == "unauthorized"


def test_a_success_without_a_message_id_may_have_been_sent(gateway, gateway_channel):
    gateway.app.script.append(servers.Reply(200, {"status": "queued"}))
    with pytest.raises(TransientError) as unclear:
        gateway_channel.send(sms())
    assert unclear.value.maybe_sent


def test_gateway_500s_and_timeouts_then_healthy_deliver_each_message_once(gateway, gateway_channel):
    messages = [sms(key=f"n-{n}") for n in range(3)]
    gateway.app.script.extend([servers.Reply(500, {"error": "internal"}), servers.Reply(502, b"bad gateway")])
    gateway.app.slow.append(SHORT * 3)  # n-2 is sent by the gateway, but its answer comes too late

    pending = []
    for message in messages:
        try:
            gateway_channel.send(message)
        except TransientError as error:
            assert error.channel_wide
            pending.append((message, error))
    assert [m.idempotency_key for m, _ in pending] == ["n-0", "n-1", "n-2"]
    assert [e.maybe_sent for _, e in pending] == [False, False, True]
    assert pending[2][1].code == "read-timeout"

    results = [gateway_channel.send(message) for message, _ in pending]
    assert [r.duplicate for r in results] == [False, False, True]
    assert sorted(gateway.app.sent) == ["n-0", "n-1", "n-2"], "each message reached a phone once"


def test_a_gateway_that_is_down_was_never_reached():
    port = servers.free_port()
    with GatewaySmsChannel(f"http://{servers.HOST}:{port}/sms", timeout=(SHORT, SHORT)) as channel, \
            pytest.raises(TransientError) as down:
        channel.send(sms())
    assert down.value.channel_wide and not down.value.maybe_sent and down.value.code == "connection"


def test_a_borrowed_session_stays_open():
    session = requests.Session()
    channel = GatewaySmsChannel("http://127.0.0.1:9/", session=session)
    channel.close()
    assert channel.session is session
    session.close()


def test_an_sms_channel_refuses_an_email(gateway_channel):
    with pytest.raises(PermanentError, match="not an SMS"):
        gateway_channel.send(email())


# --- Aliyun SendSms ----------------------------------------------------------------------------

# The worked example of Aliyun's SMS signature documentation (短信服务 > 签名机制,
# help.aliyun.com/document_detail/101343): its parameters, intermediate strings and result.
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
DOC_QUERY = (
    "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z"
    "&Version=2017-05-25"
)
DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    "%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF"
    "%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007"
    "%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z"
    "%26Version%3D2017-05-25"
)


def test_the_signature_matches_aliyuns_worked_example():
    assert canonicalized_query(DOC_PARAMS) == DOC_QUERY
    assert string_to_sign("GET", DOC_PARAMS) == DOC_STRING_TO_SIGN
    assert sign(DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sign({**DOC_PARAMS, "Signature": "ignored"}, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_is_rfc_3986():
    assert percent_encode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff"
    assert percent_encode("滨") == "%E6%BB%A8"


def test_the_signature_agrees_with_an_independent_computation():
    params = {**DOC_PARAMS, "TemplateParam": '{"title":"政策 A*B~C+D","n":"1"}', "SignName": "滨州 惠企"}
    for method in ("GET", "POST"):
        assert sign(params, "k3y/Secret=", method) == servers.aliyun_signature(params, "k3y/Secret=", method)


@pytest.fixture
def aliyun():
    with servers.HttpServer(servers.AliyunApp("LTAIid", "aliyun-secret")) as server:
        yield server


def aliyun_channel(server, secret: str = "aliyun-secret", **options) -> AliyunSmsChannel:
    return AliyunSmsChannel("LTAIid", secret, "滨州惠企", endpoint=server.url, timeout=(SHORT, SHORT),
                            clock=lambda: NOW, **options)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_aliyun_send_sms_is_signed_and_accepted(aliyun, method):
    message = sms(recipient="+8613800138000", template_params={"title": "政策 A*B~C", "department": "市工信局"})
    with aliyun_channel(aliyun, method=method) as channel:
        result = channel.send(message)
        channel.send(sms(key="notification-3"))
    first, second = aliyun.app.requests
    assert first["Action"] == "SendSms" and first["Version"] == "2017-05-25" and first["Format"] == "JSON"
    assert first["PhoneNumbers"] == "13800138000" and first["SignName"] == "滨州惠企"
    assert first["TemplateCode"] == "SMS_123456789" and first["OutId"] == "notification-2"
    assert json.loads(first["TemplateParam"]) == {"title": "政策 A*B~C", "department": "市工信局"}
    assert first["Timestamp"] == "2025-03-10T02:30:00Z"
    assert first["SignatureMethod"] == "HMAC-SHA1" and first["SignatureVersion"] == "1.0"
    assert first["SignatureNonce"] != second["SignatureNonce"]
    assert result.provider_message_id == "biz-1^0"


def test_aliyun_refuses_a_wrong_secret_for_every_message(aliyun):
    with aliyun_channel(aliyun, secret="not-the-secret") as channel, pytest.raises(PermanentError) as refused:
        channel.send(sms())
    assert refused.value.code == "SignatureDoesNotMatch" and refused.value.channel_wide


def test_aliyun_invalid_number_is_permanent(aliyun):
    with aliyun_channel(aliyun) as channel, pytest.raises(PermanentError) as refused:
        channel.send(sms(recipient="10000000000"))
    assert refused.value.code == "isv.MOBILE_NUMBER_ILLEGAL" and not refused.value.channel_wide


def test_aliyun_flow_control_waits(aliyun):
    aliyun.app.codes["13900139000"] = "isv.BUSINESS_LIMIT_CONTROL"
    with aliyun_channel(aliyun) as channel, pytest.raises(TransientError) as limited:
        channel.send(sms(recipient="13900139000"))
    assert limited.value.retry_after == timedelta(hours=1) and not limited.value.channel_wide


def test_aliyun_500_and_timeout_are_transient(aliyun):
    aliyun.app.script.extend([servers.Reply(500, {"Code": "InternalError", "Message": "server error"}),
                              servers.Reply(503, b"upstream down"), servers.Reply(delay=SHORT * 3)])
    with aliyun_channel(aliyun) as channel:
        for code in ("InternalError", "503", "read-timeout"):
            with pytest.raises(TransientError) as failed:
                channel.send(sms())
            assert failed.value.code == code
        assert channel.send(sms()).provider_message_id


def test_aliyun_needs_a_template_and_makes_no_request_without_one(aliyun):
    with aliyun_channel(aliyun) as channel, pytest.raises(PermanentError, match="template_code"):
        channel.send(sms(template_code=None))
    assert aliyun.app.requests == []


def test_aliyun_channel_never_shows_its_secret(aliyun):
    with aliyun_channel(aliyun) as channel:
        assert "aliyun-secret" not in repr(channel)


@pytest.mark.parametrize(("code", "status", "kind", "channel_wide"), [
    ("isv.MOBILE_NUMBER_ILLEGAL", 200, PermanentError, False),
    ("isv.TEMPLATE_MISSING_PARAMETERS", 200, PermanentError, False),
    ("isv.AMOUNT_NOT_ENOUGH", 200, PermanentError, True),
    ("isv.SMS_TEMPLATE_ILLEGAL", 200, PermanentError, True),
    ("isv.BUSINESS_LIMIT_CONTROL", 200, TransientError, False),
    ("isv.DAY_LIMIT_CONTROL", 200, TransientError, True),
    ("Throttling.User", 400, TransientError, True),
    ("isp.SYSTEM_ERROR", 200, TransientError, False),
    ("isp.SOMETHING_NEW", 200, TransientError, False),
    ("isv.SOMETHING_NEW", 200, PermanentError, False),
    ("SomethingNew", 503, TransientError, True),
])
def test_aliyun_codes_are_classified(code, status, kind, channel_wide):
    error = classify_aliyun_code(code, "说明", status)
    assert type(error) is kind and error.channel_wide is channel_wide and error.code == code
