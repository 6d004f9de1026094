"""Page latency and throughput through gunicorn (2 sync workers) on the demo database.

Four pages, each loaded on its own: the anonymous home page, the login page, and two pages behind
the administrator's login (the user list and the notification list). Every page is checked once
before it is loaded (status 200, and for the logged-in pages the logout button, i.e. not the login
form), then requested REQUESTS times over CONCURRENCY connections from a separate process.
"""

from __future__ import annotations

from bench.common import LoadSpec, Options, Result, fetch, login, run_load, running_app

TITLE = "web pages under gunicorn: GET /, GET /login, /admin/users and /notifications/ as admin"

REQUESTS = 2000
CONCURRENCY = 4
TIME_LIMIT = 25.0  # seconds per page, at most

ADMIN_EMAIL = "admin@demo.jiebang.cn"

# (row label, path, needs the admin's session)
PAGES = [
    ("GET / (anonymous home)", "/", False),
    ("GET /login", "/login", False),
    ("GET /admin/users (admin)", "/admin/users", True),
    ("GET /notifications/ (admin)", "/notifications/", True),
]


def run(options: Options) -> list[Result]:
    from webapp.demo.accounts import DEMO_PASSWORD

    requests = options.requests or REQUESTS
    concurrency = options.concurrency or CONCURRENCY
    time_limit = options.time_limit or TIME_LIMIT
    results = []
    with running_app(workers=2) as server:
        cookie = login(server, ADMIN_EMAIL, DEMO_PASSWORD)
        for label, path, needs_login in PAGES:
            headers = {"Cookie": cookie} if needs_login else {}
            status, body = fetch(server, path, headers)
            if status != 200:
                raise RuntimeError(f"GET {path} answered HTTP {status} before the load")
            if needs_login and 'id="logout-button"' not in body:
                raise RuntimeError(f"GET {path} did not show a logged-in page: the session cookie was not accepted")
            load = run_load(
                LoadSpec(
                    host=server.host,
                    port=server.port,
                    paths=[path],
                    requests=requests,
                    concurrency=concurrency,
                    time_limit=time_limit,
                    headers=headers,
                )
            )
            results.append(
                Result(
                    name=f"web {label}",
                    latencies=load.latencies,
                    wall=load.wall,
                    errors=load.errors,
                    note=f"{concurrency} conn, gunicorn -w 2, {server.database}",
                    stopped_early=load.stopped_early,
                    error_samples=load.error_samples,
                )
            )
            print(f"  {label}: {len(load.latencies)} requests in {load.wall:.1f}s", flush=True)
    return results
