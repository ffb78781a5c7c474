"""Departments API."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Department
from policyhub.services import departments as departments_service
from policyhub.web.api import api
from policyhub.web.api.auth import current_api_user, require_roles
from policyhub.web.api.validation import json_body, takes_query, validate
from policyhub.web.queries import PageQuery
from policyhub.web.schemas import DepartmentIn


def department_json(department: Department) -> dict:
    return {"id": department.id, "code": department.code, "name": department.name,
            "email": department.email, "phone": department.phone}


@api.post("/departments")
@require_roles("admin")
def create_department():
    data = validate(DepartmentIn, json_body())
    department = departments_service.create_department(current_api_user(), **data.model_dump())
    db.session.commit()
    return jsonify(department_json(department)), 201


@api.get("/departments")
@takes_query(PageQuery)
def list_departments(query: PageQuery):
    page, per_page = query.page, query.per_page
    total = db.session.scalar(select(func.count(Department.id)))
    items = db.session.scalars(
        select(Department).order_by(Department.code).limit(per_page).offset((page - 1) * per_page)
    )
    return jsonify(items=[department_json(d) for d in items], total=total, page=page, per_page=per_page)
