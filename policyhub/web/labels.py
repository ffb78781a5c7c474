"""Chinese names people read for the codes stored in rows (statuses, kinds, channels, sources)."""

from __future__ import annotations

__all__ = ["CANCEL_REASONS", "CHANNEL_LABELS", "KIND_LABELS", "NOTIFICATION_STATUS_LABELS", "SOURCE_LABELS"]

NOTIFICATION_STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败",
                              "dead": "放弃", "cancelled": "已取消"}
KIND_LABELS = {
    "policy_match": "政策匹配提醒", "welcome": "登记欢迎", "digest": "政策汇总", "consultation_received": "咨询受理回执",
    "consultation_answer": "咨询答复", "sla_reminder": "到期提醒", "sla_escalation": "超期升级",
}
CHANNEL_LABELS = {"sms": "短信", "email": "电子邮件"}
# Where a profile or a consent came from.
SOURCE_LABELS = {"self_registration": "企业自行登记", "staff": "工作人员录入", "api": "接口录入", "import": "批量导入"}
# Why an undelivered message was cancelled (the reasons the push package records).
CANCEL_REASONS = {"no longer eligible": "企业已不符合条件", "policy withdrawn": "政策已撤回",
                  "policy expired": "政策已失效", "marked not relevant": "企业反馈无关",
                  "enterprise deleted": "企业已删除"}
