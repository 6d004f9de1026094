"""The load `python -m bench load` drives (Locust, in a process of its own): visitors browsing and
searching, researchers listing results, enterprises posting needs, brokers deciding suggestions and
an administrator on the dashboard, in the mix 10 : 3 : 3 : 2 : 1, each person pausing 1–3 s between
steps as people do. Every response is checked (status, and the page a person expects), and each
request's time is written to LOAD_LATENCIES when Locust stops."""

from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict

from locust import HttpUser, between, events, task

PASSWORD = "Jiebang-demo-2026"
TERMS = ["电池", "锂电池", "热管理", "传感器", "机器人", "涂层", "催化", "压铸", "芯片", "检测", "生物", "膜"]
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
LATENCIES: dict[str, list[float]] = defaultdict(list)
FAILURES: dict[str, list[str]] = defaultdict(list)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kwargs):
    if exception is None:
        LATENCIES[name].append(response_time / 1000)
    else:
        FAILURES[name].append(str(exception)[:200])


@events.quitting.add_listener
def _write(environment, **_kwargs):
    path = os.environ.get("LOAD_LATENCIES")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"latencies": LATENCIES, "failures": FAILURES}, out, ensure_ascii=False)


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    email: str | None = None

    def on_start(self):
        if self.email is None:
            return
        page = self.client.get("/login", name="GET /login")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token},
            name="POST /login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    def page(self, path: str, name: str, expect: str | None = None) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif expect and expect not in response.text:
                response.failure(f"{expect!r} not on the page")
            return response.text or ""

    def post(self, path: str, name: str, data: dict, page: str) -> None:
        token = CSRF.search(page)
        if not token:
            return
        with self.client.post(
            path, data={**data, "csrf_token": token.group(1)}, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in (200, 302, 303):
                response.failure(f"{response.status_code}")


class Visitor(Person):
    weight = 10

    @task(3)
    def search(self):
        html = self.page(f"/achievements/?q={random.choice(TERMS)}", "GET /achievements/?q=…", "result-count")
        found = re.findall(r'href="/achievements/(\d+)"', html)
        if found:
            self.page(f"/achievements/{random.choice(found)}", "GET /achievements/<id>", "listing-title")

    @task(2)
    def needs(self):
        self.page(f"/needs/?q={random.choice(TERMS)}", "GET /needs/?q=…")

    @task(1)
    def board(self):
        self.page("/", "GET /")
        self.page("/challenges/", "GET /challenges/", "challenge-board")


class Owner(Person):
    """Someone who lists things: looks at their own list, now and then saves a new draft."""

    abstract = True
    kind = ""  # "achievements" or "needs"
    draft: dict = {}

    @task(2)
    def mine(self):
        self.page(f"/{self.kind}/mine", f"GET /{self.kind}/mine", "my-listings")

    @task(1)
    def save_a_draft(self):
        form = self.page(f"/{self.kind}/new", f"GET /{self.kind}/new")
        fields = re.findall(r'<option value="(\d+)"', form)
        n = random.randrange(10**9)
        data = {k: v.format(n=n) for k, v in self.draft.items()}
        data.update(field_id=fields[0] if fields else "", save="1")
        self.post(f"/{self.kind}/new", f"POST /{self.kind}/new (draft)", data, form)


class Researcher(Owner):
    weight = 3
    email = "researcher@demo.jiebang.cn"
    kind = "achievements"
    draft = {
        "title": "负载测试成果{n}",
        "summary": "一种锂电池热管理方法，用于储能与电动汽车。",
        "keywords": "锂电池、热管理",
    }


class Enterprise(Owner):
    weight = 3
    email = "enterprise@demo.jiebang.cn"
    kind = "needs"
    draft = {"title": "负载测试需求{n}", "description": "需要压铸件气孔在线检测方案，提升良率。"}


class Broker(Person):
    weight = 2
    email = "broker@demo.jiebang.cn"

    @task
    def decide(self):
        queue = self.page("/broker/suggestions", "GET /broker/suggestions")
        found = re.findall(r'href="/broker/suggestions/(\d+)', queue)
        if not found:
            return
        suggestion = random.choice(found)
        page = self.page(f"/broker/suggestions/{suggestion}", "GET /broker/suggestions/<id>", "need-text")
        if random.random() < 0.5:
            self.post(
                f"/broker/suggestions/{suggestion}/reject",
                "POST /broker/suggestions/<id>/reject",
                {"reason": "field", "reject_note": "负载测试"},
                page,
            )


class Admin(Person):
    weight = 1
    email = "admin@demo.jiebang.cn"

    @task
    def dashboard(self):
        self.page("/dashboard/", "GET /dashboard/ (admin)", "card-deals")
        self.page("/admin/moderation/", "GET /admin/moderation/")
