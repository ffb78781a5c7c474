"""A policy's criteria: who it targets, validated and normalised, and flattened for SQL filters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from matcher import extract as matcher_extract
from matcher.regions import default_regions
from matcher.taxonomy import InvalidIndustryCode, default_taxonomy
from policyhub.services.errors import Invalid

__all__ = ["EMPTY_CRITERIA", "SIZES", "extract_criteria", "normalise_criteria", "targets"]

SIZES = ("large", "medium", "small", "micro")
SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
_REGION = re.compile(r"^\d{6}$")
LIST_KEYS = ("industries", "excluded_industries", "sizes", "regions", "qualifications")
MAX_ITEMS = 200
_OUTPUT_ONLY = frozenset({"warnings", "review"})

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
    evidence = merged.get("evidence") or []
    if not isinstance(evidence, list):
        fields["criteria.evidence"] = "应为列表"
        evidence = []
    out["evidence"] = evidence[:MAX_ITEMS]
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
