"""Department use cases."""

from __future__ import annotations

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Department, User
from policyhub.services import audit
from policyhub.services.errors import Conflict, Invalid

__all__ = ["create_department", "department_by_code", "list_departments", "update_department"]


def department_by_code(code: str) -> Department | None:
    """The department with this code, if any."""
    return db.session.scalar(select(Department).where(Department.code == code))


def create_department(actor: User | None, *, code: str, name: str, email: str | None = None,
                      phone: str | None = None) -> Department:
    """Add a department; 409 when the code is taken."""
    if email is not None and "@" not in email:
        raise Invalid("邮箱格式有误", fields={"email": "邮箱格式有误"})
    if department_by_code(code) is not None:
        raise Conflict(f"部门代码 {code} 已存在", fields={"code": "已存在"})
    department = Department(code=code, name=name, email=email, phone=phone)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department.create", "department", department.id, code=code, name=name)
    return department


def list_departments() -> list[Department]:
    """Every department, by code."""
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def update_department(actor: User | None, department: Department, *, name: str, email: str | None = None,
                      phone: str | None = None, approval_required: bool | None = None) -> Department:
    """Change a department's name, escalation contacts and approval rule; audited with before and after."""
    fields: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = "请填写部门名称"
    elif len(name) > 128:
        fields["name"] = "部门名称最多 128 字"
    if email and ("@" not in email or len(email) > 254):
        fields["email"] = "邮箱格式有误"
    if phone and len(phone) > 32:
        fields["phone"] = "电话最多 32 位"
    if fields:
        raise Invalid("部门信息有误", fields=fields)
    before = {"name": department.name, "email": department.email, "phone": department.phone,
              "approval_required": department.approval_required}
    after = {"name": name, "email": email or None, "phone": phone or None,
             "approval_required": department.approval_required if approval_required is None else approval_required}
    if before == after:
        return department
    department.name, department.email, department.phone = after["name"], after["email"], after["phone"]
    department.approval_required = after["approval_required"]
    db.session.flush()
    audit.record(actor, "department.update", "department", department.id, code=department.code,
                 before=before, after=after)
    return department
