"""Staff accounts: creation, roles, passwords with throttled login, and bearer API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from policyhub.extensions import db
from policyhub.models import ROLES, Department, User, utcnow
from policyhub.services import audit
from policyhub.services.errors import Conflict, Invalid, NotFound
from policyhub.services.identifiers import IdentifierError, validate_email, validate_mobile

__all__ = [
    "LoginResult",
    "authenticate",
    "create_user",
    "hash_token",
    "issue_token",
    "list_users",
    "reset_password",
    "rotate_token",
    "set_active",
    "set_role",
    "user_for_token",
]

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD_LENGTH = 8
DEPARTMENT_ROLES = frozenset({"editor", "reviewer", "answerer"})  # roles whose work is one department's


def hash_token(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> str:
    """Give the user a new API token (the old one stops working); the plain token is returned once."""
    token = secrets.token_urlsafe(32)
    user.token_hash = hash_token(token)
    return token


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"部门 {code} 不存在", fields={"department": "部门不存在"})
    return department


def create_user(
    username: str,
    role: str,
    *,
    department_code: str | None = None,
    password: str | None = None,
    display_name: str = "",
    email: str | None = None,
    mobile: str | None = None,
    actor: User | None = None,
) -> tuple[User, str]:
    """Create a staff user with an API token; returns the user and the token, shown only now."""
    fields: dict[str, str] = {}
    if not _USERNAME.match(username or ""):
        fields["username"] = "用户名须为 2–64 位字母、数字或 _ . -"
    if role not in ROLES:
        fields["role"] = f"角色须为 {', '.join(ROLES)} 之一"
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        fields["password"] = f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    if role in DEPARTMENT_ROLES and not department_code:
        fields["department"] = "政策编辑、审核人和答复人须属于一个部门"
    contacts: dict[str, str | None] = {"email": None, "mobile": None}
    for key, value, check in (("email", email, validate_email), ("mobile", mobile, validate_mobile)):
        if value:
            try:
                contacts[key] = check(value)
            except IdentifierError as exc:
                fields[key] = str(exc)
    if fields:
        raise Invalid("用户信息有误", fields=fields)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在", fields={"username": "已存在"})
    user = User(
        username=username,
        role=role,
        display_name=display_name or username,
        department=_department(department_code),
        password_hash=generate_password_hash(password) if password else None,
        email=contacts["email"],
        mobile=contacts["mobile"],
    )
    token = issue_token(user)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, username=username, role=role,
                 department=department_code)
    return user, token


def set_role(actor: User | None, user: User, role: str, department_code: str | None = None) -> User:
    """Change a user's role (and department); audited."""
    if role not in ROLES:
        raise Invalid("角色无效", fields={"role": f"角色须为 {', '.join(ROLES)} 之一"})
    before = {"role": user.role, "department": user.department.code if user.department else None}
    user.role = role
    if department_code is not None:
        user.department = _department(department_code)
    db.session.flush()
    audit.record(actor, "user.role_change", "user", user.id, before=before,
                 after={"role": role, "department": user.department.code if user.department else None})
    return user


def list_users() -> list[User]:
    """Every staff account, by role then username."""
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def set_active(actor: User | None, user: User, active: bool) -> User:
    """Disable (no login, no API token) or re-enable an account; an admin cannot disable themself."""
    if not active and actor is not None and actor.id == user.id:
        raise Invalid("不能停用自己的账号", fields={"active": "不能停用自己的账号"})
    if user.is_active_account != active:
        user.is_active_account = active
        db.session.flush()
        audit.record(actor, "user.enable" if active else "user.disable", "user", user.id, username=user.username)
    return user


def reset_password(actor: User | None, user: User, password: str) -> User:
    """Set a new password (the lock after failed logins is lifted); audited without the password."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid("密码太短", fields={"password": f"密码至少 {MIN_PASSWORD_LENGTH} 位"})
    if len(password) > 256:
        raise Invalid("密码太长", fields={"password": "密码最多 256 位"})
    user.password_hash = generate_password_hash(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    audit.record(actor, "user.password_reset", "user", user.id, username=user.username)
    return user


def rotate_token(actor: User | None, user: User) -> str:
    """A new API token for the user (the old one stops working); the plain token is returned once."""
    token = issue_token(user)
    db.session.flush()
    audit.record(actor, "user.token_rotate", "user", user.id, username=user.username)
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding this API token, if any."""
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.token_hash == hash_token(token)))
    return user if user is not None and user.is_active else None


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_until: datetime | None = None


def authenticate(username: str, password: str, *, max_failures: int, lock_minutes: int,
                 now: datetime | None = None) -> LoginResult:
    """Check a password; after max_failures wrong ones in a row the account is locked for a while."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        # Spend the same time as a real check so response times do not reveal usernames.
        check_password_hash(_dummy_hash(), password)
        return LoginResult(None)
    if user.locked_until and user.locked_until > now:
        return LoginResult(None, locked_until=user.locked_until)
    if user.password_hash and check_password_hash(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        return LoginResult(user)
    user.failed_logins += 1
    if user.failed_logins >= max_failures:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_logins = 0
        audit.record(None, "user.locked", "user", user.id, until=user.locked_until.isoformat())
        return LoginResult(None, locked_until=user.locked_until)
    return LoginResult(None)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(8))
