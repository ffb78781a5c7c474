"""Benchmark: match one policy against 1,000,000 enterprise profiles, beside a per-enterprise Python loop.

Prints, for the vectorised index (matcher.engine.MatchIndex) and for a straightforward loop over the
same profiles in the same run: index build time, resident memory, and time to match and rank one
policy (three demo policies: aluminium ≈ 100,000 matches, 小升规 ≈ 380,000, SME voucher ≈ 900,000). The loop runs on a sample and is
extrapolated (said so in the output). Targets: one policy ≤ 0.5 s after the index is built; index
≤ 2 GB resident.
Run: .venv/bin/python bench/match_1m.py [PROFILES] [LOOP_SAMPLE]

TODO(lead): publish-to-committed time for a policy matching ~100,000 enterprises on SQLite (Match and
outbox rows in one transaction, bulk inserts), beside row-by-row inserts — needs the database and
the publish service; target ≤ 5 s. The aluminium policy (01) matches ≈ 100,000 of these profiles.
"""

from __future__ import annotations

import gc
import math
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.criteria import Criteria, EnterpriseProfile  # noqa: E402
from matcher.engine import ELIGIBLE, MatchIndex  # noqa: E402
from matcher.evaluate import rule_verdict  # noqa: E402
from matcher.extract import default_qualifications, extract_criteria  # noqa: E402
from matcher.regions import default_regions  # noqa: E402
from matcher.taxonomy import default_taxonomy  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "policies"

# Binzhou's industry mix, roughly: (class, business scope items, weight).
INDUSTRIES = [
    ("3216", "铝冶炼；再生铝熔炼；铝锭销售", 3),
    ("3252", "铝板带箔制造；铝型材制造；金属材料销售", 5),
    ("3311", "金属结构制造；幕墙结构件加工", 2),
    ("3312", "铝合金门窗制造；门窗安装", 3),
    ("3670", "汽车零部件及配件制造；铝合金轮毂生产", 3),
    ("4210", "废旧金属回收；金属废料加工处理", 2),
    ("2511", "原油加工及石油制品制造", 1),
    ("2614", "有机化学原料制造（不含危险化学品）；化工产品销售", 3),
    ("2662", "专项化学用品制造；化学助剂生产", 2),
    ("2822", "涤纶纤维制造", 1),
    ("1711", "棉纺纱加工；棉布织造；纺织品销售", 5),
    ("1713", "棉印染精加工", 1),
    ("1771", "床上用品制造；家纺产品销售", 3),
    ("1772", "毛巾类制品制造", 2),
    ("1782", "绳索缆制造；渔网具加工", 3),
    ("1811", "机织服装制造；服装服饰零售", 3),
    ("1311", "小麦面粉加工；粮食收购", 3),
    ("1331", "食用植物油加工；花生油压榨", 3),
    ("1431", "挂面生产；米粉生产", 1),
    ("0311", "肉牛养殖；奶牛养殖", 3),
    ("0313", "生猪养殖", 3),
    ("0321", "蛋鸡养殖；肉鸡养殖", 2),
    ("0411", "对虾养殖；贝类海水养殖", 2),
    ("1351", "牛羊屠宰；冷鲜肉销售", 1),
    ("1361", "水产品冷冻加工", 1),
    ("7010", "房地产开发经营；物业管理", 3),
    ("5211", "百货零售；日用品销售", 6),
    ("5212", "超市零售；食品销售", 4),
    ("5139", "日用百货批发", 4),
    ("6211", "正餐服务；宴会承办", 5),
    ("6110", "酒店住宿服务", 2),
    ("6513", "应用软件开发；信息系统集成服务", 2),
    ("5430", "道路货物运输；普通货运", 4),
    ("5920", "普通仓储服务；装卸搬运", 2),
    ("4710", "房屋建筑工程施工", 4),
    ("7320", "工程和技术研究与试验发展；技术推广", 1),
    ("8010", "家政服务", 2),
    ("7211", "企业总部管理", 2),
    ("8111", "汽车修理与维护", 3),
    ("5261", "汽车新车零售", 2),
    ("0141", "蔬菜种植", 2),
    ("0151", "冬枣种植；水果销售", 2),
]
COUNTIES = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]
ELSEWHERE = ["370502", "370102", "370781", "370882", "320583"]
QUALS = ["高新技术企业", "科技型中小企业", "专精特新中小企业", '专精特新"小巨人"企业', "瞪羚企业"]
EXTRA_ITEMS = [
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "货物进出口",
    "技术进出口",
    "软件开发",
    "普通机械设备安装服务",
    "劳务服务（不含劳务派遣）",
    "广告设计、代理",
    "会议及展览服务",
    "机械设备租赁",
    "五金产品零售",
    "建筑材料销售",
    "金属制品销售",
    "化工产品销售（不含许可类化工产品）",
    "针纺织品销售",
    "农副产品销售",
    "食品销售（仅销售预包装食品）",
    "装卸搬运",
    "信息咨询服务（不含许可类信息咨询服务）",
    "企业管理咨询",
    "供应链管理服务",
    "再生资源回收（除生产性废旧金属）",
    "环保咨询服务",
    "节能管理服务",
    "电子产品销售",
    "办公用品销售",
    "包装材料及制品销售",
    "塑料制品制造",
    "日用杂品销售",
    "家用电器销售",
    "养老服务",
    "停车场服务",
    "物业管理",
    "住房租赁",
    "非居住房地产租赁",
    "园林绿化工程施工",
    "土石方工程施工",
]


def generate(n: int, seed: int = 2017) -> list[EnterpriseProfile]:
    """n seeded profiles: Binzhou's industries, mostly micro and small, mostly in Binzhou's counties."""
    rng = random.Random(seed)
    codes, scopes, weights = zip(*INDUSTRIES, strict=True)
    industry = rng.choices(range(len(codes)), weights=weights, k=n)
    sizes = rng.choices(["micro", "small", "medium", "large", None], weights=[58, 28, 7, 2, 5], k=n)
    out = []
    for i in range(n):
        r = rng.random()
        region = (
            rng.choice(COUNTIES) if r < 0.86 else "371600" if r < 0.90 else rng.choice(ELSEWHERE) if r < 0.98 else None
        )
        size = sizes[i]
        revenue = {"micro": 80, "small": 900, "medium": 12000, "large": 90000, None: 500}[size] * rng.uniform(0.5, 1.5)
        quals = frozenset([rng.choice(QUALS)]) if rng.random() < 0.05 else frozenset()
        scope = scopes[industry[i]]
        extra = rng.randint(0, 3)
        if extra:
            scope += "；" + "；".join(rng.sample(EXTRA_ITEMS, extra))
        out.append(
            EnterpriseProfile(
                id=i + 1,
                name=f"企业{i + 1}",
                industry_code=codes[industry[i]],
                size=size,
                region_code=region,
                qualifications=quals,
                above_scale=None if rng.random() < 0.05 else revenue >= 2000,
                business_scope=scope,
                employees=None,
                revenue_wan=round(revenue, 1),
            )
        )
    return out


def rss_mb() -> float:
    """Current resident set size in MB (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def policy(name: str) -> tuple[str, str, Criteria]:
    """(title, body, criteria) of a demo policy, criteria read by the extractor."""
    path = next(DEMO.glob(f"{name}*.txt"))
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    title = next(line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("title:"))
    return title, body, extract_criteria(title, body, "滨州市")


def naive_match(profiles, vectors, query, criteria, tax, regions, quals):
    """The straightforward loop: each enterprise's rules, then a dict dot product, then a sort."""
    out = []
    for profile, vector in zip(profiles, vectors, strict=True):
        verdict = rule_verdict(profile, criteria, tax, regions, quals)
        if verdict is None:
            continue
        score = sum(weight * query.get(token, 0.0) for token, weight in vector.items())
        out.append((verdict != ELIGIBLE, -score, profile.id, verdict))
    out.sort()
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    sample = min(n, int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
    scale = n / sample
    tax, regions, quals = default_taxonomy(), default_regions(), default_qualifications()
    policies = [policy("01-aluminium"), policy("22-small-to-above"), policy("20-sme-service")]
    print(f"profiles: {n:,}; per-enterprise loop on a sample of {sample:,}, times ×{scale:.0f} (extrapolated)")

    t = time.perf_counter()
    profiles = generate(n)
    print(f"generated profiles in {time.perf_counter() - t:.1f} s")
    gc.collect()
    base = rss_mb()

    t = time.perf_counter()
    index = MatchIndex().fit(profiles)
    build = time.perf_counter() - t
    gc.collect()
    index_rss = rss_mb() - base
    c = index.columns_
    arrays = sum(col.nbytes for col in c.data.values()) / 2**20
    matrix = (index.X_.data.nbytes + index.X_.indices.nbytes + index.X_.indptr.nbytes) / 2**20
    print(f"vocabulary: {len(index.vectorizer_.vocabulary_):,} terms; matrix nnz {index.X_.nnz:,}")

    # The loop's "index": each profile's TF-IDF weights as a dict, built on the sample.
    rows = profiles[:sample]
    before = rss_mb()
    t = time.perf_counter()
    analyzer = index.vectorizer_.build_analyzer()
    vocabulary, idf = index.vectorizer_.vocabulary_, index.vectorizer_.idf_
    vectors = []
    for profile in rows:
        counts: dict[str, int] = {}
        for token in analyzer(index._document(profile)):
            if token in vocabulary:
                counts[token] = counts.get(token, 0) + 1
        weights = {tok: (1 + math.log(k)) * idf[vocabulary[tok]] for tok, k in counts.items()}
        norm = sum(w * w for w in weights.values()) ** 0.5 or 1.0
        vectors.append({tok: w / norm for tok, w in weights.items()})
    loop_build = (time.perf_counter() - t) * scale
    loop_rss = (rss_mb() - before) * scale

    print()
    print(f"{'':34}{'vectorised index':>20}{'per-enterprise loop':>22}{'ratio':>9}")
    print(f"{'build':34}{build:>18.1f} s{loop_build:>20.1f} s{loop_build / build:>8.1f}×")
    print(
        f"{'resident memory (RSS growth)':34}{index_rss:>17.0f} MB{loop_rss:>19.0f} MB{loop_rss / max(index_rss, 1):>8.1f}×"
    )
    print(f"{'  of which arrays / TF-IDF matrix':34}{arrays:>9.0f} / {matrix:.0f} MB")

    for title, body, criteria in policies:
        text = f"{title}\n{body}"
        index.match_arrays(criteria, text)  # warm up the query tokenizer
        timings = []
        for _ in range(3):
            t = time.perf_counter()
            result = index.match_arrays(criteria, text)
            timings.append(time.perf_counter() - t)
        fast = min(timings)
        t = time.perf_counter()
        top = index.match(criteria, text, limit=100)
        top_time = time.perf_counter() - t

        query_vector = index.vectorizer_.transform([text])
        query = {term: query_vector[0, col] for term, col in vocabulary.items() if query_vector[0, col]}
        t = time.perf_counter()
        loop = naive_match(rows, vectors, query, criteria, tax, regions, quals)
        loop_time = (time.perf_counter() - t) * scale

        # The two must agree on the sample: same enterprises, same eligibility.
        in_sample = result.enterprise_ids <= sample
        fast_pairs = {
            (int(i), bool(e)) for i, e in zip(result.enterprise_ids[in_sample], result.eligible[in_sample], strict=True)
        }
        loop_pairs = {(pid, verdict == ELIGIBLE) for _, _, pid, verdict in loop}
        agree = "agree" if fast_pairs == loop_pairs else "DISAGREE"

        eligible = int(result.eligible.sum())
        print()
        print(f"policy: {title}")
        print(f"  criteria {criteria.to_dict() | {'evidence': '…'}}")
        print(f"  matches: {len(result):,} ({eligible:,} eligible, {len(result) - eligible:,} need more info)")
        print(f"{'  match + rank (all, arrays)':34}{fast:>18.3f} s{loop_time:>20.1f} s{loop_time / fast:>8.0f}×")
        print(f"{'  top 100 with reasons':34}{top_time:>18.3f} s")
        print(
            f"  sample check vs loop: {agree}; best: {top[0].enterprise_id if top else '-'} {top[0].reasons if top else ''}"
        )
        print(f"  target ≤ 0.5 s: {'met' if fast <= 0.5 else 'MISSED'}")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\npeak RSS of the whole run: {peak:.0f} MB (profiles as Python objects included); index target ≤ 2048 MB: "
        f"{'met' if index_rss <= 2048 else 'MISSED'}"
    )
    print("publish-to-committed on SQLite (~100,000 matches): TODO (lead), needs the database; see the docstring")


if __name__ == "__main__":
    main()
