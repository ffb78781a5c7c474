"""The database models, one module per area."""

from policyhub.models.audit import AuditEvent
from policyhub.models.base import Base, UTCDateTime, utcnow
from policyhub.models.click import PolicyClick
from policyhub.models.consultation import (
    AnswerVisit,
    CalendarOverride,
    CalendarYear,
    Consultation,
    ConsultationFile,
    ConsultationTurn,
)
from policyhub.models.department import Department
from policyhub.models.door import EnterpriseSession, PolicyFollow, SignInCode
from policyhub.models.enterprise import CHANNELS, Enterprise, Subscription
from policyhub.models.fanout import FanoutJob
from policyhub.models.match import PolicyMatch
from policyhub.models.notification import ChannelCircuit, Notification, SchedulerLease
from policyhub.models.policy import POLICY_STATUSES, Policy, PolicyFile, PolicyTarget, PolicyVersion
from policyhub.models.user import ROLES, User

__all__ = [
    "CHANNELS",
    "POLICY_STATUSES",
    "ROLES",
    "AnswerVisit",
    "AuditEvent",
    "Base",
    "CalendarOverride",
    "CalendarYear",
    "Consultation",
    "ConsultationFile",
    "ConsultationTurn",
    "Department",
    "Enterprise",
    "EnterpriseSession",
    "FanoutJob",
    "Notification",
    "Policy",
    "PolicyClick",
    "PolicyFile",
    "PolicyFollow",
    "PolicyMatch",
    "PolicyTarget",
    "PolicyVersion",
    "ChannelCircuit",
    "SchedulerLease",
    "SignInCode",
    "Subscription",
    "UTCDateTime",
    "User",
    "utcnow",
]
