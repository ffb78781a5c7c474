"""Department use cases."""

from __future__ import annotations

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Department, User
from policyhub.services import audit
from policyhub.services.errors import Conflict, Invalid

__all__ = ["create_department", "department_by_code"]


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
