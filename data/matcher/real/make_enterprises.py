"""Generate data/matcher/real/enterprises.csv: the synthetic population the real policy texts are scored on.

Run from the repository root:  .venv/bin/python data/matcher/real/make_enterprises.py
Seeded, so the same labelled texts give the same file. Every enterprise is invented. The population
is built so that every labelled policy can be right or wrong in every way: firms inside each region a
label names (and in its counties), firms across Binzhou, Shandong and the rest of China that no
regional policy concerns, industries drawn half from the sectors the labels name and half from the
whole GB/T 4754 table, sizes and 规上 derived by the 2017 standard from random figures (some left
unknown), and about a fifth holding a title. Only labels are read (never the engine's output).
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matcher.regions import default_regions  # noqa: E402
from matcher.sizes import above_scale, size_class  # noqa: E402
from matcher.taxonomy import default_taxonomy  # noqa: E402

SEED = 2026_12_02
HERE = Path(__file__).resolve().parent
OUT = HERE / "enterprises.csv"
COLUMNS = ("id", "name", "industry_code", "size", "region_code", "qualifications", "above_scale", "business_scope",
           "employees", "revenue_wan", "assets_wan")
TITLES = ("高新技术企业", "科技型中小企业", "创新型中小企业", "专精特新中小企业", '专精特新"小巨人"企业', "瞪羚企业",
          "制造业单项冠军企业", "农业产业化龙头企业", "技术先进型服务企业", "省级企业技术中心")
PER_LABELLED_REGION = 6
BINZHOU = "371600"
SHANDONG = "370000"


def _header(path: Path) -> dict[str, str]:
    head = path.read_text(encoding="utf-8").partition("\n---\n")[0]
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in head.splitlines())}


def main() -> int:
    rng = random.Random(SEED)
    tax = default_taxonomy()
    reg = default_regions()
    classes = [i.code for i in tax.at_level(4)]
    counties = [r.code for r in reg if r.level == 3]
    labels = [_header(p) for p in sorted((HERE / "policies").glob("*.txt"))]
    named_regions = sorted({c for h in labels for c in h.get("regions", "").split(";") if c.strip() and c != "100000"})
    named_industries = sorted({c for h in labels for c in h.get("industries", "").split(";")
                               if c.strip() and c.strip() != "ALL"})

    def county_under(code: str) -> str:
        inside = [c for c in counties if reg.covers(code, c)]
        return rng.choice(inside) if inside else code

    places: list[str] = []
    for code in named_regions:
        places.append(code)  # one registered at the named level itself (a city-level code)
        places += [county_under(code) for _ in range(PER_LABELLED_REGION - 1)]
    places += [county_under(BINZHOU) for _ in range(60)]
    places += [county_under(SHANDONG) for _ in range(40)]
    places += [rng.choice(counties) for _ in range(60)]

    rows = []
    for number, region in enumerate(places, start=1):
        if named_industries and rng.random() < 0.5:
            wanted = rng.choice(named_industries)
            under = [c for c in classes if tax.covers(tax.normalize(wanted), c)]
            industry = rng.choice(under or classes)
        else:
            industry = rng.choice(classes)
        employees = int(math.exp(rng.uniform(math.log(3), math.log(3000))))
        revenue = round(math.exp(rng.uniform(math.log(20), math.log(400_000))), 1)
        assets = round(revenue * rng.uniform(0.4, 2.5), 1)
        size = size_class(industry, employees, revenue, assets).size
        scale = above_scale(industry, revenue)
        if rng.random() < 0.05:
            size = None
        if rng.random() < 0.05:
            scale = None
        titles = rng.sample(TITLES, rng.choice((1, 1, 2))) if rng.random() < 0.2 else []
        rows.append({
            "id": number, "name": f"测试企业{number:04d}", "industry_code": industry, "size": size or "",
            "region_code": region if rng.random() > 0.03 else "", "qualifications": ";".join(titles),
            "above_scale": "" if scale is None else str(scale).lower(),
            "business_scope": tax.name(industry) or "", "employees": employees, "revenue_wan": revenue,
            "assets_wan": assets,
        })
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} enterprises for {len(labels)} labelled policies ({len(named_regions)} regions named)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
