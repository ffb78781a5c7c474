"""Rendering at send time: a match alert's words come from the policy and match as they are when it goes."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from notifier.messages import PolicyMatch as MatchNotice
from notifier.messages import policy_match_alert
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyMatch
from policyhub.push.outbox import DEFERRED, absolute_url
from policyhub.services.tokens import feedback_token, unsubscribe_token

__all__ = ["render_deferred"]


def render_deferred(rows: list[Notification]) -> None:
    """Fill in the subject and body of match alerts queued unrendered; stored before they are sent."""
    todo = [r for r in rows if (r.headers or {}).get(DEFERRED) and r.policy_id and r.enterprise_id]
    if not todo:
        return
    policies = {p.id: p for p in db.session.scalars(select(Policy).where(
        Policy.id.in_({r.policy_id for r in todo})))}
    found = db.session.execute(
        select(PolicyMatch.policy_id, PolicyMatch.enterprise_id, PolicyMatch.reasons, Enterprise.name)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.enterprise_id.in_({r.enterprise_id for r in todo}),
               PolicyMatch.policy_id.in_(set(policies)))).all()
    details = {(policy_id, enterprise_id): (reasons, name) for policy_id, enterprise_id, reasons, name in found}
    secret = current_app.config["SECRET_KEY"]
    for row in todo:
        policy = policies[row.policy_id]
        reasons, name = details.get((row.policy_id, row.enterprise_id), ((), ""))
        notice = policy_match_alert(
            MatchNotice(title=policy.title, department=policy.department.name, reasons=tuple(reasons or ()),
                        url=absolute_url(f"/policies/{policy.id}?m={feedback_token(policy.id, row.enterprise_id)}")),
            enterprise_name=name or "贵企业",
            unsubscribe_url=absolute_url(f"/unsubscribe/{unsubscribe_token(secret, row.enterprise_id, row.channel)}"),
        )
        email = row.channel == "email"
        row.subject = notice.email.subject if email else ""
        row.body_text = notice.email.text if email else notice.sms.text
        row.body_html = notice.email.html if email else None
        row.headers = {"unsubscribe_url": notice.unsubscribe_url,
                       "template_params": {} if email else dict(notice.sms.template_params)}
    db.session.commit()


