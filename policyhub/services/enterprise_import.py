"""Bulk import of enterprise profiles from CSV (UTF-8 or GB18030) or XLSX: upsert by credit code.

Each bad row is reported (row number, field, reason) while the good rows go in; a file that
cannot be read at all changes nothing. Rows are written in chunks with executemany, not one ORM
object at a time, so 100,000 rows take seconds.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from policyhub.extensions import db
from policyhub.models import CHANNELS, Enterprise, Subscription, User, utcnow
from policyhub.push import reconcile
from policyhub.services import audit
from policyhub.services.enterprises import (
    _COLUMNS,
    PROFILE_FIELDS,
    REQUIRED,
    check_channel_contacts,
    derive_size,
    validate_profile,
)
from policyhub.services.errors import Invalid

__all__ = ["MAX_ROWS", "ImportReport", "import_enterprises", "read_table"]

MAX_ROWS = 200_000
CHUNK = 2000
MAX_ERRORS = 1000
_SIZE_FIELDS = ("size", "size_source", "declared_size", "size_row", "size_flag", "above_scale")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    errors_truncated: bool = False
    notifications_queued: int = 0

    def error(self, row: int, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": field_name, "message": message})
        else:
            self.errors_truncated = True

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "errors": self.errors,
                "warnings": self.warnings[:MAX_ERRORS], "rows": self.rows,
                "errors_truncated": self.errors_truncated, "notifications_queued": self.notifications_queued}


def _unreadable(message: str) -> Invalid:
    return Invalid(message, fields={"file": message}, code="unreadable_file")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise _unreadable("无法识别文件编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码")


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    # Excel's dialect, or its tab-separated variant when the header has tabs and no commas. (csv.Sniffer
    # guesses quoting from a sample and misreads fields such as 专精特新"小巨人"企业.)
    first_line = text.split("\n", 1)[0]
    dialect = csv.excel_tab if "\t" in first_line and "," not in first_line else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:
        # The csv module's own limit (131,072 characters a field) is far above any profile field's.
        raise _unreadable(f"CSV 第 {reader.line_num} 行无法读取：字段过长或引号不配对") from exc


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable("无法读取 XLSX 文件：文件已损坏或不是 Excel 2007 及以上格式") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                   for v in values]
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """The header (JSON field names) and the data rows of an import file; Invalid when unreadable."""
    if not data.strip():
        raise _unreadable("文件为空")
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(data)
    else:
        raise _unreadable("只支持 CSV（UTF-8 或 GB18030）和 XLSX 文件")
    try:
        header = next(rows)
    except StopIteration as exc:
        raise _unreadable("文件没有表头行") from exc
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    while header and not header[-1]:
        header.pop()
    unknown = [h for h in header if h not in PROFILE_FIELDS]
    missing = [h for h in REQUIRED if h not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if unknown:
        problems.append(f"未知列：{'、'.join(unknown) or '（空列名）'}")
    if missing:
        problems.append(f"缺少必需列：{'、'.join(missing)}")
    if duplicated:
        problems.append(f"重复列：{'、'.join(duplicated)}")
    if problems:
        raise _unreadable("表头有误，" + "；".join(problems) + f"。可用列名：{', '.join(PROFILE_FIELDS)}")
    return header, rows


def import_enterprises(actor: User | None, filename: str, data: bytes, *, notify: bool = False,
                       progress: Callable[[int], None] | None = None, now: datetime | None = None) -> ImportReport:
    """Upsert every good row by credit code; report each bad one. Flushes; the caller commits.

    Every row is reconciled with the live policies; only with ``notify`` is anyone told: a new firm
    by one welcome per channel, a changed one by an alert per newly matched policy.
    """
    header, rows = read_table(filename, data)
    report = ImportReport()
    now = now or utcnow()
    seen: set[str] = set()
    changed_ids: list[int] = []
    created_ids: list[int] = []
    chunk: list[tuple[int, dict[str, Any]]] = []
    for row_number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise _unreadable(f"一次最多导入 {MAX_ROWS} 行，请拆分文件")
        record = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            report.error(row_number, "*", "该行的列数多于表头")
            continue
        checked = validate_profile(record, check_contacts=False)
        if checked.errors:
            for field_name, message in checked.errors.items():
                report.error(row_number, field_name, message)
            continue
        code = checked.values["credit_code"]
        if code in seen:
            report.error(row_number, "credit_code", "与文件中前面的行重复")
            continue
        seen.add(code)
        for warning in checked.warnings:
            report.warnings.append({"row": row_number, "message": warning})
        chunk.append((row_number, checked.values))
        if len(chunk) >= CHUNK:
            changed, created = _write_chunk(chunk, header, report, now)
            changed_ids += changed
            created_ids += created
            chunk = []
            if progress:
                progress(report.rows)
    if chunk:
        changed, created = _write_chunk(chunk, header, report, now)
        changed_ids += changed
        created_ids += created
    if progress:
        progress(report.rows)
    outcome = reconcile.reconcile_enterprises(changed_ids, now=now, notify=notify, new=created_ids)
    report.notifications_queued = outcome.notifications_queued + outcome.welcomes_queued
    audit.record(actor, "enterprise.import", "import", filename[:64], created=report.created,
                 updated=report.updated, errors=len(report.errors), rows=report.rows, notify=notify,
                 notifications_queued=report.notifications_queued)
    return report


def _write_chunk(chunk: list[tuple[int, dict[str, Any]]], header: list[str], report: ImportReport,
                 now: datetime) -> tuple[list[int], list[int]]:
    """Write one chunk; the ids of every row written, and of the firms it created."""
    codes = [values["credit_code"] for _, values in chunk]
    existing = {e.credit_code: e for e in db.session.scalars(
        select(Enterprise).where(Enterprise.credit_code.in_(codes)))}
    present = set(header)
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    channels_by_code: dict[str, list[str]] = {}
    for row_number, values in chunk:
        code = values["credit_code"]
        enterprise = existing.get(code)
        stored = {} if enterprise is None else {"mobile": enterprise.mobile, "email": enterprise.email}
        contact_errors: dict[str, str] = {}
        check_channel_contacts(stored | {k: v for k, v in values.items() if k in present}, contact_errors)
        if contact_errors:
            for field_name, message in contact_errors.items():
                report.error(row_number, field_name, message)
            continue
        if "channels" in present:
            channels_by_code[code] = values.get("channels") or []
        if enterprise is None:
            row = {name: values.get(name) for name in _COLUMNS}
            row["qualifications"] = row["qualifications"] or []
            row["business_scope"] = row["business_scope"] or ""
            new_rows.append(row | derive_size(values) | {"source": "import", "created_at": now, "updated_at": now})
        else:
            merged = {name: getattr(enterprise, name) for name in _COLUMNS} | {"size": enterprise.declared_size}
            merged.update({k: v for k, v in values.items() if k in present})
            row = {"id": enterprise.id, "updated_at": now}
            row.update({name: merged[name] for name in _COLUMNS if name in present and name != "credit_code"})
            if "qualifications" in row and row["qualifications"] is None:
                row["qualifications"] = []
            if "business_scope" in row and row["business_scope"] is None:
                row["business_scope"] = ""
            updates.append(row | derive_size(merged))
    ids_by_code: dict[str, int] = {}
    created: list[int] = []
    if new_rows:
        result = db.session.execute(insert(Enterprise).returning(Enterprise.id, Enterprise.credit_code), new_rows)
        ids_by_code.update({code: id_ for id_, code in result})
        created = list(ids_by_code.values())
        report.created += len(new_rows)
    if updates:
        db.session.execute(update(Enterprise), updates)
        report.updated += len(updates)
    ids_by_code.update({code: e.id for code, e in existing.items()})
    if channels_by_code:
        _write_subscriptions({ids_by_code[c]: ch for c, ch in channels_by_code.items()}, now)
    # The ORM objects loaded above are stale after the bulk UPDATE.
    for enterprise in existing.values():
        db.session.expire(enterprise)
    return list(ids_by_code.values()), created


def _write_subscriptions(channels_by_id: dict[int, list[str]], now: datetime) -> None:
    current = {(s.enterprise_id, s.channel): s for s in db.session.scalars(
        select(Subscription).where(Subscription.enterprise_id.in_(list(channels_by_id))))}
    inserts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for enterprise_id, channels in channels_by_id.items():
        for channel in CHANNELS:
            subscription = current.get((enterprise_id, channel))
            if channel in channels:
                if subscription is None:
                    inserts.append({"enterprise_id": enterprise_id, "channel": channel, "active": True,
                                    "frequency": "instant", "topics": [], "consent_at": now,
                                    "consent_source": "import"})
                elif not subscription.active:
                    changes.append({"id": subscription.id, "active": True, "consent_at": now,
                                    "consent_source": "import", "unsubscribed_at": None})
            elif subscription is not None and subscription.active:
                changes.append({"id": subscription.id, "active": False, "unsubscribed_at": now})
    if inserts:
        db.session.execute(insert(Subscription), inserts)
    if changes:
        # Rows differ in which columns they set; executemany needs one shape per call.
        for keys in {tuple(sorted(c)) for c in changes}:
            db.session.execute(update(Subscription), [c for c in changes if tuple(sorted(c)) == keys])
    for subscription in current.values():
        db.session.expire(subscription)
