"""Plain data the matcher exchanges: a policy's criteria (with evidence) and an enterprise profile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CRITERIA_FIELDS", "SIZES", "Criteria", "EnterpriseProfile", "Evidence", "Review"]

#: Size classes, largest first (the same values as matcher.sizes.SIZES).
SIZES = ("large", "medium", "small", "micro")
#: The list fields of the criteria JSON, in its order.
CRITERIA_FIELDS = ("industries", "excluded_industries", "sizes", "regions", "qualifications")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why one criterion value was read: the field, the value and the sentence it came from."""

    field: str
    value: str
    sentence: str
    confidence: float = 1.0  # 1: the target statement says it; lower: read from the title, the notes, a fallback

    def to_dict(self) -> dict[str, object]:
        """The JSON form: {"field", "value", "sentence", "confidence"}."""
        return {"field": self.field, "value": self.value, "sentence": self.sentence,
                "confidence": round(self.confidence, 2)}


@dataclass(frozen=True, slots=True)
class Review:
    """Something the editor should confirm before publishing, in plain Chinese (未识别到行业限制…)."""

    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form: {"field", "message"}."""
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class Criteria:
    """Who a policy targets; an empty tuple means no restriction on that field ("all means all").

    qualifications are alternatives: an enterprise holding any one of them qualifies.
    """

    industries: tuple[str, ...] = ()
    excluded_industries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    above_scale_only: bool = False
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)
    review: tuple[Review, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The criteria JSON the application stores (policyhub.services.criteria validates it)."""
        return {
            "industries": list(self.industries),
            "excluded_industries": list(self.excluded_industries),
            "sizes": list(self.sizes),
            "regions": list(self.regions),
            "qualifications": list(self.qualifications),
            "above_scale_only": self.above_scale_only,
            "evidence": [e.to_dict() for e in self.evidence],
            "review": [r.to_dict() for r in self.review],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Criteria:
        """Read the criteria JSON (missing keys mean no restriction); values are taken as already validated."""

        def items(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            if isinstance(value, str):
                value = [v for v in value.replace("；", ";").split(";") if v.strip()]
            return tuple(str(v).strip() for v in value)

        evidence = tuple(
            Evidence(str(e.get("field", "")), str(e.get("value", "")), str(e.get("sentence", "")),
                     _confidence(e.get("confidence", 1.0)))
            for e in data.get("evidence") or ()
            if isinstance(e, Mapping)
        )
        review = tuple(Review(str(r.get("field", "")), str(r.get("message", "")))
                       for r in data.get("review") or () if isinstance(r, Mapping))
        return cls(
            industries=items("industries"),
            excluded_industries=items("excluded_industries"),
            sizes=tuple(s for s in SIZES if s in items("sizes")),
            regions=items("regions"),
            qualifications=items("qualifications"),
            above_scale_only=bool(data.get("above_scale_only", False)),
            evidence=evidence,
            review=review,
        )


def _confidence(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1.0
    return min(max(number, 0.0), 1.0) if number == number else 1.0


@dataclass(frozen=True)
class EnterpriseProfile:
    """What the matcher knows of one enterprise; None means unknown (so a rule needing it asks for more)."""

    id: int
    name: str
    industry_code: str  # GB/T 4754 code, usually a 4-digit class
    size: str | None  # "large" | "medium" | "small" | "micro", None when unknown
    region_code: str | None  # 6-digit county/district code (or a city code)
    qualifications: frozenset[str] = frozenset()
    above_scale: bool | None = None  # 规上/限上; None when unknown
    business_scope: str = ""  # 经营范围
    employees: int | None = None
    revenue_wan: float | None = None
    assets_wan: float | None = None
