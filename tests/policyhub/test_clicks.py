"""Click tracking: the links in pushed messages count the firm's clicks, signed, never breaking the link."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from notifier.channels import FakeChannel
from policyhub.extensions import db
from policyhub.models import PolicyClick
from policyhub.push.dispatch import Dispatcher

BASE = "http://127.0.0.1:5000"
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def pushed(app, make_enterprise, make_policy):
    """One policy pushed to a firm by email and SMS and to another by email; the texts as they were sent."""
    email_and_sms = make_enterprise(1, region_code="371625", channels=["email", "sms"], email="a@example.com", mobile="13800000001")
    email_only = make_enterprise(2, region_code="371681", channels=["email"], email="b@example.com")
    policy = make_policy(title="滨州市铝压延加工企业技术改造补贴办法", criteria={"industries": ["3252"]})
    channels = {"sms": FakeChannel("sms"), "email": FakeChannel("email")}
    with app.app_context():
        Dispatcher(channels, quiet_hours=False).drain()
    sent = {(m.channel, m.recipient): m.text for c in channels.values() for m in c.sent}
    return policy, email_and_sms, email_only, sent


def _email_link(text: str) -> str:
    link = re.search(r"(http://\S+/policies/\d+\?\S+)", text).group(1)
    return link.removeprefix(BASE)


def _clicks(app) -> list[tuple[int, int, str, int, datetime, datetime]]:
    with app.app_context():
        return [(c.policy_id, c.enterprise_id, c.channel, c.clicks, c.first_clicked_at, c.last_clicked_at)
                for c in db.session.scalars(select(PolicyClick).order_by(PolicyClick.id))]


def _at(monkeypatch, when: datetime) -> None:
    monkeypatch.setattr("policyhub.web.public.utcnow", lambda: when)


def test_an_email_link_counts_first_and_last_click_then_opens_the_page(app, client, pushed, monkeypatch):
    policy, firm, _, sent = pushed
    link = _email_link(sent[("email", "a@example.com")])
    assert "c=" in link and "m=" in link
    _at(monkeypatch, T0)
    landed = client.get(link)
    assert landed.status_code == 302
    target = urlsplit(landed.headers["Location"])
    assert target.path == f"/policies/{policy['id']}" and set(parse_qs(target.query)) == {"m"}
    page = client.get(landed.headers["Location"])
    assert page.status_code == 200 and "与本企业无关" in page.get_data(as_text=True)
    assert _clicks(app) == [(policy["id"], firm["id"], "email", 1, T0, T0)]
    # The page itself (a reload, a bookmark) counts nothing; following the link again counts once more.
    client.get(landed.headers["Location"])
    _at(monkeypatch, T0 + timedelta(days=2))
    assert client.get(link).status_code == 302
    assert _clicks(app) == [(policy["id"], firm["id"], "email", 2, T0, T0 + timedelta(days=2))]


def test_an_sms_short_link_counts_as_an_sms_click(app, client, pushed, monkeypatch):
    policy, firm, _, sent = pushed
    text = sent[("sms", "13800000001")]
    link = text.split("详见 ", 1)[1].split()[0].removeprefix(BASE)
    _at(monkeypatch, T0)
    assert client.get(link).status_code == 302
    assert _clicks(app) == [(policy["id"], firm["id"], "sms", 1, T0, T0)]


def test_forged_or_borrowed_click_tokens_count_nothing_but_the_link_still_opens(app, client, pushed, make_policy):
    from policyhub.services.tokens import click_token

    policy, firm, other, sent = pushed
    link = _email_link(sent[("email", "a@example.com")])
    token = parse_qs(urlsplit(link).query)["c"][0]
    # Another firm's id with the first firm's signature; a token for another policy; nonsense.
    value, signature = token.rsplit(".", 1)
    forged = f"{policy['id']}.{other['id']}.email.{signature}"
    second = make_policy(title="滨州市铝加工企业上云补贴办法", criteria={"industries": ["3252"]})
    with app.test_request_context():
        elsewhere = click_token(second["id"], firm["id"], "email")
    for bad in (forged, elsewhere, "x" * 500, "1.2.fax.abc", ""):
        landed = client.get(f"/policies/{policy['id']}?m=x&c={bad}")
        assert landed.status_code == 302 and "c=" not in landed.headers["Location"]
        assert client.get(landed.headers["Location"]).status_code == 200
    assert client.head(link).status_code == 302  # a mail scanner's HEAD opens the link but is not a person
    assert _clicks(app) == []


def test_a_click_for_a_firm_since_deleted_fails_to_count_and_still_opens(app, client, pushed):
    from policyhub.services.tokens import click_token

    policy, _, _, _ = pushed
    with app.test_request_context():
        gone = click_token(policy["id"], 999_999, "email")  # the database refuses the row (foreign key)
    landed = client.get(f"/policies/{policy['id']}?m=x&c={gone}")
    assert landed.status_code == 302 and client.get(landed.headers["Location"]).status_code == 200
    assert _clicks(app) == []


def test_a_failure_to_count_never_breaks_the_link(app, client, pushed, monkeypatch):
    policy, _, _, sent = pushed

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("policyhub.web.public.record_click", broken)
    landed = client.get(_email_link(sent[("email", "a@example.com")]))
    assert landed.status_code == 302
    assert client.get(landed.headers["Location"]).status_code == 200
    sms = sent[("sms", "13800000001")].split("详见 ", 1)[1].split()[0].removeprefix(BASE)
    assert client.get(sms).status_code == 302
    assert _clicks(app) == []


def test_reach_page_shows_sent_and_clicked_per_channel_and_the_csv_when(app, client, pushed, make_user,
                                                                          monkeypatch):
    policy, firm, other, sent = pushed
    _at(monkeypatch, T0)
    client.get(_email_link(sent[("email", "a@example.com")]))
    client.get(_email_link(sent[("email", "a@example.com")]))
    client.get(sent[("sms", "13800000001")].split("详见 ", 1)[1].split()[0].removeprefix(BASE))
    make_user("reader", "editor", "gxj", password="correct-horse-battery-2")
    assert client.post("/login", data={"username": "reader", "password": "correct-horse-battery-2"}).status_code == 302
    page = client.get(f"/staff/policies/{policy['id']}/reach").get_data(as_text=True)
    email = page.split('id="reach-channel-email"')[1].split("</tr>")[0]
    sms = page.split('id="reach-channel-sms"')[1].split("</tr>")[0]
    cells = lambda row: re.findall(r'class="(\w+)">([^<]*)<', row)  # noqa: E731
    assert cells(email) == [("messages", "2"), ("sent", "2"), ("failed", "0"), ("clicked", "1"), ("clicks", "2"),
                            ("rate", "50%")]
    assert cells(sms) == [("messages", "1"), ("sent", "1"), ("failed", "0"), ("clicked", "1"), ("clicks", "1"),
                          ("rate", "100%")]
    assert re.search(r'id="reach-clicked"><td>[^<]+</td><td>1<', page)  # one firm, on two channels
    exported = client.get(f"/staff/policies/{policy['id']}/reach.csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert table[0][-3:] == ["点击次数", "首次点击（北京时间）", "末次点击（北京时间）"]
    by_channel = {(r[0], r[5]): r[-3:] for r in table[1:]}
    assert by_channel[(firm["credit_code"], "电子邮件")] == ["2", "2026-11-24 10:00", "2026-11-24 10:00"]
    assert by_channel[(firm["credit_code"], "短信")] == ["1", "2026-11-24 10:00", "2026-11-24 10:00"]
    assert by_channel[(other["credit_code"], "电子邮件")] == ["0", "", ""]



def test_each_policy_in_a_daily_digest_counts_its_own_click(app, client, editor_token, make_enterprise, bearer,
                                                            monkeypatch):
    from zoneinfo import ZoneInfo

    from policyhub.models import Notification
    from policyhub.push.digest import queue_digests

    firm = make_enterprise(9, industry_code="1331", region_code="371625", email="jinsui@example.com",
                           channels=["email"], frequency="daily")
    ids = []
    for title in ("滨州市粮油加工企业技术改造补助办法", "滨州市粮油产业链奖励措施"):
        policy = client.post("/api/v1/policies", headers=bearer(editor_token), json={
            "title": title, "body": "支持对象：本市从事粮油加工的企业。", "criteria": {"industries": ["13"]}}).get_json()
        client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token))
        ids.append(policy["id"])
    with app.app_context():
        assert queue_digests(datetime(2026, 11, 26, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))) == 1
        db.session.commit()
        text = db.session.scalar(select(Notification)).body_text
    links = {int(m.group(1)): m.group(0).removeprefix(BASE)
             for m in re.finditer(r"http://\S+/policies/(\d+)\?\S+", text)}
    assert set(links) == set(ids)
    _at(monkeypatch, T0)
    assert client.get(links[ids[1]]).status_code == 302
    assert _clicks(app) == [(ids[1], firm["id"], "email", 1, T0, T0)]


def test_overall_reach_lists_each_pushed_policy_with_totals_and_the_csv(app, client, pushed, make_user, make_policy,
                                                                          monkeypatch):
    policy, firm, other, sent = pushed
    _at(monkeypatch, T0)
    client.get(_email_link(sent[("email", "a@example.com")]))
    tax = make_user("tax-editor", "editor", "tax")
    elsewhere = make_policy(title="研发费用加计扣除政策落实通知", token=tax)
    make_user("head", "supervisor", "yshj", password="correct-horse-battery-2")
    assert client.post("/login", data={"username": "head", "password": "correct-horse-battery-2"}).status_code == 302
    page = client.get("/staff/reach").get_data(as_text=True)
    cells = lambda row: dict(re.findall(r'class="([\w-]+)">([^<]*)<', row))  # noqa: E731
    line = cells(page.split(f'id="reach-policy-{policy["id"]}"')[1].split("</tr>")[0])
    assert (line["matched"], line["sent"], line["failed"], line["clicked"], line["rate"]) == ("2", "3", "0", "1", "33%")
    assert f'id="reach-policy-{elsewhere["id"]}"' in page  # a supervisor sees every department's pushes
    total = cells(page.split('id="reach-total"')[1].split("</tr>")[0])
    assert int(total["sent"]) >= 3 and total["clicked"] == "1"
    table = list(csv.reader(io.StringIO(client.get("/staff/reach.csv").get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in table[1:] if r[0] == str(policy["id"]))
    assert row[1] == policy["title"] and row[5:] == ["2", "0", "3", "0", "1", "0", "0"]
    client.post("/logout")
    make_user("gxj-editor", "editor", "gxj", password="correct-horse-battery-2")
    assert client.post("/login", data={"username": "gxj-editor", "password": "correct-horse-battery-2"}).status_code == 302
    mine = client.get("/staff/reach").get_data(as_text=True)
    assert f'id="reach-policy-{policy["id"]}"' in mine and f'id="reach-policy-{elsewhere["id"]}"' not in mine
