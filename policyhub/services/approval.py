"""Two keys for publishing where a department asks for them: an editor submits, a reviewer publishes or returns."""

from __future__ import annotations

from datetime import datetime

from policyhub.extensions import db
from policyhub.models import Policy, User
from policyhub.models.policy import DRAFT, RETURNED, SUBMITTED, WITHDRAWN
from policyhub.services import audit
from policyhub.services.errors import Conflict, Forbidden, Invalid

__all__ = ["approval_required", "can_review", "check_publish", "return_policy", "submit_policy"]

MAX_COMMENT = 500


def approval_required(policy: Policy) -> bool:
    """Whether the policy's department publishes only through a reviewer."""
    return bool(policy.department and policy.department.approval_required)


def can_review(user: User | None, policy: Policy) -> bool:
    """Admins, and reviewers of the policy's department."""
    if user is None:
        return False
    return user.role == "admin" or (user.role == "reviewer" and user.department_id == policy.department_id)


def check_publish(actor: User, policy: Policy) -> None:
    """Refuse a publish the approval rule does not allow (called by publish_policy before anything changes)."""
    if not approval_required(policy):
        return
    if not can_review(actor, policy):
        raise Forbidden("本部门政策须经审核人审核后发布，请提交审核", code="approval_required")
    if actor.role == "admin":
        return
    if policy.review_state != SUBMITTED:
        raise Conflict("政策尚未提交审核", code="not_submitted")
    if policy.review_version != policy.version:
        raise Conflict(f"提交审核的是第 {policy.review_version} 版，之后又有修改（现为第 {policy.version} 版），"
                       "请编辑重新提交", code="changed_since_submitted")


def submit_policy(actor: User, policy: Policy, *, now: datetime) -> Policy:
    """The editor asks a reviewer to publish this version."""
    from policyhub.services.policies import can_edit

    if not can_edit(actor, policy):
        raise Forbidden("只能提交本部门的政策")
    if policy.status not in (DRAFT, WITHDRAWN):
        raise Conflict(f"只有草稿或已撤回的政策可以提交审核（当前：{policy.status_label}）", code="wrong_status")
    if policy.review_state == SUBMITTED and policy.review_version == policy.version:
        raise Conflict("本版本已提交审核，请等待审核", code="already_submitted")
    policy.review_state, policy.review_version, policy.review_comment = SUBMITTED, policy.version, None
    policy.updated_at = now
    db.session.flush()
    audit.record(actor, "policy.submit", "policy", policy.id, version=policy.version)
    return policy


def return_policy(actor: User, policy: Policy, comment: str, *, now: datetime) -> Policy:
    """The reviewer sends a submitted policy back to the editor with a comment."""
    if not can_review(actor, policy):
        raise Forbidden("只有本部门审核人可以退回")
    comment = (comment or "").strip()
    if not comment:
        raise Invalid("请填写退回意见", fields={"comment": "请填写退回意见"})
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"退回意见最多 {MAX_COMMENT} 字", fields={"comment": f"最多 {MAX_COMMENT} 字"})
    if policy.review_state != SUBMITTED:
        raise Conflict("政策未在待审核状态", code="not_submitted")
    policy.review_state, policy.review_comment = RETURNED, comment
    policy.updated_at = now
    db.session.flush()
    audit.record(actor, "policy.return", "policy", policy.id, version=policy.version, comment=comment)
    return policy
