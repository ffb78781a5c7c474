"""A policy's criteria: who it targets, validated and normalised, and flattened for SQL filters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from matcher import extract as matcher_extract
from matcher.regions import default_regions
from matcher.taxonomy import InvalidIndustryCode, default_taxonomy
from policyhub.inputs import text_problem
from policyhub.services.errors import Invalid

__all__ = ["EMPTY_CRITERIA", "SIZES", "extract_criteria", "normalise_criteria", "targets"]

SIZES = ("large", "medium", "small", "micro")
SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
_REGION = re.compile(r"^\d{6}$")
LIST_KEYS = ("industries", "excluded_industries", "sizes", "regions", "qualifications")
MAX_ITEMS = 200
_OUTPUT_ONLY = frozenset({"warnings", "review"})
EVIDENCE_KEYS = ("field", "value", "sentence")
EVIDENCE_FIELDS = (*LIST_KEYS, "above_scale_only")
MAX_EVIDENCE_VALUE, MAX_EVIDENCE_SENTENCE = 200, 2000

EMPTY_CRITERIA: dict[str, Any] = {
    "industries": [],
    "excluded_industries": [],
    "sizes": [],
    "regions": [],
    "qualifications": [],
    "above_scale_only": False,
    "evidence": [],
}


def extract_criteria(title: str, body: str, issuer: str | None = None, *, department: str | None = None) -> dict[str, Any]:
    """Criteria the engine reads from a policy's text, each with its evidence sentence.

    issuer is the 发文机关 when known; department is the uploading department, whose area stands in
    only when the text names no place.
    """
    return matcher_extract.extract_criteria(title, body, issuer, department=department).to_dict()


def _as_list(name: str, value: Any, fields: dict[str, str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[;,，；、\s]+", value) if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fields[f"criteria.{name}"] = "应为字符串列表"
        return []
    if len(value) > MAX_ITEMS:
        fields[f"criteria.{name}"] = f"最多 {MAX_ITEMS} 项"
        return []
    for v in value:
        if text_problem(v):
            fields[f"criteria.{name}"] = text_problem(v)
            return []
    return [v.strip() for v in value if v.strip()]


def _industries(name: str, raw: list[str], fields: dict[str, str], warnings: list[str]) -> list[str]:
    taxonomy = default_taxonomy()
    codes: list[str] = []
    for item in raw:
        try:
            code, warning = taxonomy.check(item)
        except InvalidIndustryCode as exc:
            fields[f"criteria.{name}"] = f"{item}：{exc}"
            continue
        if warning:
            warnings.append(warning)
        if code not in codes:
            codes.append(code)
    return codes


def _evidence(value: Any, fields: dict[str, str], *, given: bool) -> list[dict[str, str]]:
    """Evidence items as {"field", "value", "sentence"} strings, every one checked (given: from the request).

    Stored or extracted evidence (not given) is not the editor's to fix: a bad item of it is dropped.
    """
    if not given:
        fields = {}
    if value is None:
        return []
    if not isinstance(value, list):
        fields["criteria.evidence"] = "应为列表"
        return []
    if given and len(value) > MAX_ITEMS:
        fields["criteria.evidence"] = f"最多 {MAX_ITEMS} 项"
        return []
    items: list[dict[str, str]] = []
    for i, item in enumerate(value[:MAX_ITEMS]):
        name = f"criteria.evidence.{i}"
        if not isinstance(item, Mapping):
            fields[name] = "应为对象：{field, value, sentence}"
            continue
        for key in sorted(set(item) - set(EVIDENCE_KEYS) - {"confidence"}, key=str):
            fields[f"{name}.{key}"] = "未知字段"
        clean: dict[str, Any] = {}
        confidence = item.get("confidence", 1.0)
        if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            fields[f"{name}.confidence"] = "应为 0 到 1 之间的数"
            confidence = 1.0
        for key, limit in (("field", 32), ("value", MAX_EVIDENCE_VALUE), ("sentence", MAX_EVIDENCE_SENTENCE)):
            text = item.get(key, "")
            if not isinstance(text, str):
                fields[f"{name}.{key}"] = "应为文本"
            elif text_problem(text):
                fields[f"{name}.{key}"] = text_problem(text)
            elif len(text) > limit and given:
                fields[f"{name}.{key}"] = f"最多 {limit} 字"
            else:
                # The engine's own sentences may run long in unpunctuated text: keep their start.
                clean[key] = text[:limit]
        if "field" in clean and clean["field"] not in EVIDENCE_FIELDS:
            fields[f"{name}.field"] = f"应为 {', '.join(EVIDENCE_FIELDS)} 之一"
        if len(clean) == len(EVIDENCE_KEYS):
            items.append(clean | {"confidence": round(float(confidence), 2)})
    return items


def normalise_criteria(raw: Mapping[str, Any] | None, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge given criteria over the base (extracted) ones and validate them; Invalid names each bad field."""
    if raw is not None and not isinstance(raw, Mapping):
        raise Invalid("criteria 应为对象", fields={"criteria": "应为对象"})
    merged: dict[str, Any] = dict(EMPTY_CRITERIA)
    merged.update(base or {})
    # What the engine says for the editor to confirm: a field the editor sets is settled, its notes go.
    settled = set(raw or {}) & set(LIST_KEYS)
    review = [r for r in (merged.get("review") or []) if isinstance(r, Mapping) and r.get("field") not in settled]
    # Read-only parts of a criteria object (as GET answers it) may come back unchanged in an edit.
    raw = {k: v for k, v in (raw or {}).items() if k not in _OUTPUT_ONLY}
    unknown = set(raw or {}) - set(EMPTY_CRITERIA)
    fields: dict[str, str] = {f"criteria.{k}": "未知字段" for k in sorted(unknown)}
    merged.update({k: v for k, v in (raw or {}).items() if k in EMPTY_CRITERIA})

    warnings: list[str] = []
    out: dict[str, Any] = {}
    for key in LIST_KEYS:
        out[key] = _as_list(key, merged.get(key), fields)
    out["industries"] = _industries("industries", out["industries"], fields, warnings)
    out["excluded_industries"] = _industries("excluded_industries", out["excluded_industries"], fields, warnings)
    bad_sizes = [s for s in out["sizes"] if s not in SIZES]
    if bad_sizes:
        fields["criteria.sizes"] = f"{'、'.join(bad_sizes)} 不是有效规模，应为 {', '.join(SIZES)}"
    out["sizes"] = [s for s in SIZES if s in out["sizes"]]
    bad_regions = [r for r in out["regions"] if not _REGION.match(r)]
    if bad_regions:
        fields["criteria.regions"] = f"{'、'.join(bad_regions)} 不是 6 位行政区划代码"
    else:
        regions = default_regions()
        unknown_regions = [r for r in out["regions"] if not regions.is_valid(r)]
        if unknown_regions:
            fields["criteria.regions"] = f"{'、'.join(unknown_regions)} 不是已知的行政区划代码"
        out["regions"] = list(dict.fromkeys(regions.canonical(r) for r in out["regions"]))
    if any(len(q) > 64 for q in out["qualifications"]):
        fields["criteria.qualifications"] = "每项资质最多 64 字"
    above = merged.get("above_scale_only", False)
    if not isinstance(above, bool):
        fields["criteria.above_scale_only"] = "应为 true 或 false"
    out["above_scale_only"] = bool(above) if isinstance(above, bool) else False
    out["evidence"] = _evidence(merged.get("evidence"), fields, given="evidence" in (raw or {}))
    if warnings:
        out["warnings"] = warnings
    out["review"] = review[:MAX_ITEMS]
    if fields:
        raise Invalid("政策适用条件有误", fields=fields)
    return out


def targets(criteria: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """(kind, value) pairs of the criteria, the rows the search filters join on."""
    for code in criteria.get("industries", []):
        yield "industry", code
    for code in criteria.get("excluded_industries", []):
        yield "industry_excluded", code
    for size in criteria.get("sizes", []):
        yield "size", size
    for region in criteria.get("regions", []):
        yield "region", region
    for qualification in criteria.get("qualifications", []):
        yield "qualification", qualification
