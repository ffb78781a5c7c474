"""How long policy search takes on the 139 real texts: short, everyday, long and empty-handed queries.

    python bench/search_latency.py [--database-url URL]   (a PostgreSQL URL is emptied first)
"""

from __future__ import annotations

import argparse
import statistics
import time

from policyhub.search_eval import EVAL_NOW, loaded_database

QUERIES = {
    "1 character": "铝",
    "everyday words": "小微企业税收优惠",
    "200 characters": ("我们是一家做铝材深加工的小微企业，想了解技术改造、设备更新贷款贴息和研发费用加计扣除有什么补贴，"
                       * 5)[:200],
    "nothing found (suggestions)": "量子纠缠",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from policyhub.services.search import PolicyQuery, search_policies

    with loaded_database(args.database_url) as keys:
        print(f"{len(keys)} policies")
        for name, q in QUERIES.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                page = search_policies(PolicyQuery(q=q), now=EVAL_NOW)
                times.append(time.perf_counter() - started)
            print(f"{name:28} median {statistics.median(times) * 1000:7.1f} ms  max {max(times) * 1000:7.1f} ms  "
                  f"total={page.total} suggestions={page.suggestions}")


if __name__ == "__main__":
    main()
