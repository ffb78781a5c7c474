"""The mixed load of bench/load_mixed.py as locust users (run headless by that script; not a test).

Settings come from the environment the script sets:
LOAD_POLICY_IDS (comma-separated published ids), LOAD_STAFF_TOKEN, LOAD_MIX (kind=weight,...),
LOAD_MAX_REQUESTS (stop after this many in all), LOAD_REPORT (a JSON file written when the run stops:
per kind the status counts and latency percentiles, and every accepted consultation as answered).
Each request comes as if from its own visitor behind nginx (X-Forwarded-For, one trusted hop).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter, defaultdict
from urllib.parse import quote

from locust import FastHttpUser, constant, events, task

WORDS = ["补贴", "奖励", "小微企业", "研发", "高新技术", "融资", "人才", "铝", "纺织", "数字化", "专精特新", "税收"]
MIX = {"api_search": 30, "page_search": 20, "policy_page": 20, "staff_read": 15, "consultation": 15}
for part in filter(None, os.environ.get("LOAD_MIX", "").split(",")):
    kind, _, weight = part.partition("=")
    MIX[kind] = int(weight)

POLICY_IDS = [int(i) for i in os.environ.get("LOAD_POLICY_IDS", "").split(",") if i]
STAFF_TOKEN = os.environ.get("LOAD_STAFF_TOKEN", "")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0")) or None
numbers = itertools.count(1)
statuses: dict[str, Counter] = defaultdict(Counter)
accepted: list[dict] = []


def _address(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Visitor(FastHttpUser):
    """A closed-loop client on its own keep-alive connection: one request after another, no think time."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()

    def _get(self, kind: str, path: str, headers: dict[str, str] | None = None) -> None:
        self._send(kind, "GET", path, headers=headers)

    def _send(self, kind: str, method: str, path: str, **kwargs) -> None:
        number = next(numbers)
        if MAX_REQUESTS and number > MAX_REQUESTS:
            self.environment.runner.quit()
            return
        headers = {"X-Forwarded-For": _address(self.rng)} | (kwargs.pop("headers", None) or {})
        with self.client.request(method, path, headers=headers, name=kind, catch_response=True, **kwargs) as answer:
            statuses[kind][answer.status_code] += 1
            if answer.status_code == 0 or answer.status_code >= 500:
                answer.failure(f"status {answer.status_code}")
            else:
                answer.success()
                if kind == "consultation" and answer.status_code == 201:
                    accepted.append(answer.json())

    @task(MIX["api_search"])
    def api_search(self) -> None:
        self._get("api_search", f"/api/v1/policies?q={quote(self.rng.choice(WORDS))}")

    @task(MIX["page_search"])
    def page_search(self) -> None:
        self._get("page_search", f"/?q={quote(self.rng.choice(WORDS))}")

    @task(MIX["policy_page"])
    def policy_page(self) -> None:
        self._get("policy_page", f"/policies/{self.rng.choice(POLICY_IDS)}")

    @task(MIX["staff_read"])
    def staff_read(self) -> None:
        path = self.rng.choice(["/api/v1/consultations?status=open", "/api/v1/notifications?status=pending",
                                f"/api/v1/policies/{self.rng.choice(POLICY_IDS)}/matches"])
        self._get("staff_read", path, {"Authorization": f"Bearer {STAFF_TOKEN}"})

    @task(MIX["consultation"])
    def consultation(self) -> None:
        number = next(numbers)
        body = {"question": f"压测咨询 {os.getpid()}-{number}：申请该政策需要准备哪些材料？", "contact_name": "压测",
                "mobile": f"137{number % 10**8:08d}", "policy_id": self.rng.choice(POLICY_IDS)}
        self._send("consultation", "POST", "/api/v1/consultations", json=body)


@events.test_stop.add_listener
def _report(environment, **_kwargs) -> None:
    path = os.environ.get("LOAD_REPORT")
    if not path:
        return
    kinds = {}
    for (name, _method), entry in environment.stats.entries.items():
        kinds[name] = {"n": entry.num_requests, "failures": entry.num_failures,
                       "p50": entry.get_response_time_percentile(0.5),
                       "p95": entry.get_response_time_percentile(0.95),
                       "p99": entry.get_response_time_percentile(0.99),
                       "statuses": {str(k): v for k, v in statuses[name].items()}}
    total = environment.stats.total
    overall = {"n": total.num_requests, "failures": total.num_failures,
               "p50": total.get_response_time_percentile(0.5), "p95": total.get_response_time_percentile(0.95),
               "p99": total.get_response_time_percentile(0.99),
               "seconds": max(total.last_request_timestamp - total.start_time, 1e-9) if total.num_requests else 0.0}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"kinds": kinds, "all": overall, "accepted": accepted}, handle, ensure_ascii=False)
