"""Rendering at send time: a message's words come from the policy and the matches as they are when it goes."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from notifier.messages import Notice, SmsStyle, policy_match_alert, welcome
from notifier.messages import PolicyMatch as MatchNotice
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyMatch, utcnow
from policyhub.models.match import ELIGIBLE
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import DEFERRED, absolute_url
from policyhub.services.tokens import click_token, feedback_token, short_code, unsubscribe_token
from policyhub.timeutil import local_date

__all__ = ["MAX_WELCOME_ITEMS", "policy_link", "render_deferred", "sms_style"]

MAX_WELCOME_ITEMS = 20


def policy_link(policy_id: int, enterprise_id: int, channel: str) -> str:
    """A message's link to a policy's page: its 不相关 button for this firm, and a signed click counter.

    The page answers the ``c`` token with a redirect to itself without it, counting the click on the way.
    """
    return absolute_url(f"/policies/{policy_id}?m={feedback_token(policy_id, enterprise_id)}"
                        f"&c={click_token(policy_id, enterprise_id, channel)}")


def _unsubscribe_url(enterprise_id: int, channel: str) -> str:
    return absolute_url(f"/unsubscribe/{unsubscribe_token(current_app.config['SECRET_KEY'], enterprise_id, channel)}")


OPT_OUT = " 退订请点链接内“退订”"  # a space, not a comma, so phones end the link there


def sms_style(policy_id: int | None, enterprise_id: int) -> SmsStyle:
    """The SMS's 【签名】 (unless the provider adds its own), its short link to the policy, and how to stop.

    Without a policy (a digest) there is no short link: the message keeps its own link.
    """
    config = current_app.config
    signature = "" if (config.get("SMS_PROVIDER") or "").lower() == "aliyun" else (
        config.get("SMS_SIGNATURE") or config.get("SMS_SIGN_NAME") or "滨州惠企政策")
    link = absolute_url(f"/s/{short_code(policy_id, enterprise_id)}") if policy_id is not None else None
    return SmsStyle(signature=signature, link=link, opt_out=OPT_OUT)


def _store(row: Notification, notice: Notice) -> None:
    email = row.channel == "email"
    row.subject = notice.email.subject if email else ""
    row.body_text = notice.email.text if email else notice.sms.text
    row.body_html = notice.email.html if email else None
    row.headers = {"unsubscribe_url": notice.unsubscribe_url,
                   "template_params": {} if email else dict(notice.sms.template_params)}


# A policy published this long before its alert was queued is no longer "new" in the alert's words
# (the same window as the 新 badge on 我的政策, policyhub.services.me.NEW_FOR).
NEW_POLICY_WINDOW = timedelta(days=30)


def _is_new(policy: Policy, row: Notification) -> bool:
    """Whether the alert is about a newly published policy, as of when it was queued."""
    queued = row.created_at or utcnow()
    return policy.published_at is None or policy.published_at >= queued - NEW_POLICY_WINDOW


def _render_alerts(todo: list[Notification]) -> None:
    policies = {p.id: p for p in db.session.scalars(select(Policy).where(
        Policy.id.in_({r.policy_id for r in todo})))}
    found = db.session.execute(
        select(PolicyMatch.policy_id, PolicyMatch.enterprise_id, PolicyMatch.reasons, Enterprise.name)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.enterprise_id.in_({r.enterprise_id for r in todo}),
               PolicyMatch.policy_id.in_(set(policies)))).all()
    details = {(policy_id, enterprise_id): (reasons, name) for policy_id, enterprise_id, reasons, name in found}
    for row in todo:
        policy = policies[row.policy_id]
        reasons, name = details.get((row.policy_id, row.enterprise_id), ((), ""))
        style = sms_style(policy.id, row.enterprise_id) if row.channel == "sms" else SmsStyle()
        _store(row, policy_match_alert(
            MatchNotice(title=policy.title, department=policy.department.name, reasons=tuple(reasons or ()),
                        url=policy_link(policy.id, row.enterprise_id, row.channel)),
            enterprise_name=name or "贵企业", unsubscribe_url=_unsubscribe_url(row.enterprise_id, row.channel),
            sms=style, new=_is_new(policy, row)))


def _render_welcomes(todo: list[Notification], now: datetime) -> set[int]:
    """Each welcome lists the firm's matches that hold now; the ids of those with none left."""
    today = local_date(now)
    rows = db.session.execute(
        select(PolicyMatch, Policy, Enterprise.name)
        .join(Policy, Policy.id == PolicyMatch.policy_id)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.enterprise_id.in_({r.enterprise_id for r in todo}), PolicyMatch.active.is_(True),
               PolicyMatch.eligibility == ELIGIBLE, PolicyMatch.not_relevant_at.is_(None),
               Policy.status == PUBLISHED, (Policy.effective_to.is_(None)) | (Policy.effective_to >= today))
        .order_by(PolicyMatch.enterprise_id, PolicyMatch.score.desc(), Policy.id)).all()
    by_enterprise: dict[int, list[tuple[PolicyMatch, Policy, str]]] = defaultdict(list)
    for match, policy, name in rows:
        by_enterprise[match.enterprise_id].append((match, policy, name))
    empty: set[int] = set()
    for row in todo:
        items = by_enterprise.get(row.enterprise_id)
        if not items:
            empty.add(row.id)
            continue
        notices = [MatchNotice(title=p.title, department=p.department.name, reasons=tuple(m.reasons or ()),
                               url=policy_link(p.id, row.enterprise_id, row.channel)) for m, p, _ in items[:MAX_WELCOME_ITEMS]]
        # The SMS links to the best match's page, where the firm can also stop SMS.
        style = sms_style(items[0][1].id, row.enterprise_id) if row.channel == "sms" else SmsStyle()
        _store(row, welcome(notices, enterprise_name=items[0][2], list_url=absolute_url("/"),
                            unsubscribe_url=_unsubscribe_url(row.enterprise_id, row.channel), sms=style))
    return empty


def render_deferred(rows: list[Notification], now: datetime, *, commit: bool = True) -> set[int]:
    """Fill in the words of messages queued unrendered, stored before they are sent (``commit`` off: the
    caller commits, and may read the rendered rows first).

    Returns the ids of rows left with nothing to say (a welcome whose every match has gone).
    """
    deferred = [r for r in rows if (r.headers or {}).get(DEFERRED) and r.enterprise_id]
    alerts = [r for r in deferred if r.kind == "policy_match" and r.policy_id]
    welcomes = [r for r in deferred if r.kind == "welcome"]
    empty: set[int] = set()
    if alerts:
        _render_alerts(alerts)
    if welcomes:
        empty = _render_welcomes(welcomes, now)
    if commit and (alerts or welcomes):
        db.session.commit()
    return empty
