"""Staff view of the outbox: what was sent (or captured, when nothing is configured), failures, resend."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from policyhub.extensions import db
from policyhub.models import Notification, Policy, utcnow
from policyhub.models.notification import DEAD, FAILED, PENDING
from policyhub.models.policy import PUBLISHED
from policyhub.services import audit
from policyhub.services.errors import Invalid, ServiceError
from policyhub.web.api.notifications import FILTER_ERROR, masked_recipient, notification_filters
from policyhub.web.api.validation import page_args, query_args
from policyhub.web.form_input import form_values, reads_form
from policyhub.web.forms import ActionForm
from policyhub.web.queries import NotificationListQuery
from policyhub.web.schemas import ResendIn

__all__ = ["notifications"]

notifications = Blueprint("notifications", __name__)


@notifications.get("/staff/notifications")
@login_required
def index():
    page, per_page = page_args(default_per_page=50)
    try:
        conditions = notification_filters(query_args(NotificationListQuery, FILTER_ERROR))
    except Invalid as exc:
        flash(exc.message, "error")
        conditions = []
    stmt = select(Notification).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    ordered = stmt.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page).subquery()
    listed = aliased(Notification, ordered)
    rows = db.session.execute(select(listed, Policy.title).outerjoin(Policy, Policy.id == listed.policy_id)
                              .order_by(listed.id.desc())).all()
    counts = dict(db.session.execute(select(Notification.status, func.count()).where(*conditions)
                                     .group_by(Notification.status)).all())
    return render_template("staff/notifications.html", rows=rows, total=total, counts=counts,
                           masked=masked_recipient, action_form=ActionForm(), page=page)


@notifications.get("/staff/notifications/<int:notification_id>")
@login_required
def detail(notification_id: int):
    row = db.session.get(Notification, notification_id)
    if row is None:
        abort(404)
    policy = db.session.get(Policy, row.policy_id) if row.policy_id else None
    return render_template("staff/notification.html", row=row, policy=policy, masked=masked_recipient,
                           action_form=ActionForm())


@notifications.post("/staff/notifications/resend")
@login_required
@reads_form(ResendIn)
def resend():
    if current_user.role not in ("admin", "editor") or not ActionForm().validate_on_submit():
        abort(403)
    try:
        wanted = form_values(ResendIn).policy_id  # none: every failed row, as the button without one means
    except ServiceError as exc:
        # A garbled policy must not widen the resend to every row.
        flash("政策编号有误：" + "；".join(exc.fields.values()), "error")
        return redirect(url_for("notifications.index"))
    policy_id = str(wanted) if wanted is not None else ""
    # Rows about a withdrawn or expired policy stay as they are: nobody may be told about it any more.
    live = select(Policy.id).where(Policy.status == PUBLISHED)
    stmt = update(Notification).where(Notification.status.in_((FAILED, DEAD)),
                                      or_(Notification.policy_id.is_(None), Notification.policy_id.in_(live)))
    if policy_id.isdigit():
        stmt = stmt.where(Notification.policy_id == int(policy_id))
    count = db.session.execute(stmt.values(status=PENDING, attempts=0, next_attempt_at=utcnow())).rowcount
    audit.record(current_user, "notification.resend", "policy" if policy_id.isdigit() else "outbox",
                 policy_id or "all", count=count)
    db.session.commit()
    flash(f"已重新排队 {count} 条", "success")
    return redirect(url_for("notifications.index", policy_id=policy_id or None))
