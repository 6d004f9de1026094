"""Helpers shared by the benchmarks.

- `percentile`, `Result`, `print_table`, `print_summary`: statistics and reporting.
- `running_app()`: the app under gunicorn on a fresh database (SQLite in a temporary folder, or a
  dedicated PostgreSQL database when BENCH_DATABASE_URL is set), stopped and removed afterwards.
- `run_load()`: an HTTP load generator in a separate process (threads with one http.client
  connection each, keep-alive whenever the server allows it), bounded in requests and in time.
- `login()`: logs in through the real form (CSRF token and session cookie) and returns the cookie.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import multiprocessing
import os
import platform
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USER_AGENT = "jiebang-bench/1 (python http.client)"
BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept": "text/html"}


# --------------------------------------------------------------------------------------------
# Statistics and reporting


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between the closest ranks; NaN when empty."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    data = sorted(values)
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


@dataclass
class Options:
    """Command-line overrides; None leaves each benchmark's own default."""

    requests: int | None = None
    concurrency: int | None = None
    time_limit: float | None = None
    per_query: bool = False  # match_relevance: a line per judged need


@dataclass
class Result:
    """One row of the table: latencies in seconds of the operations that succeeded."""

    name: str
    latencies: list[float]
    wall: float  # seconds the measured phase took, for the throughput
    errors: int = 0
    note: str = ""  # e.g. "4 conn, sqlite"
    stopped_early: bool = False  # the time limit ended it before all requests were issued
    error_samples: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.latencies)

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies, 95) * 1000

    @property
    def throughput(self) -> float:
        return self.n / self.wall if self.wall > 0 else math.nan


def print_table(results: Sequence[Result], title: str = "") -> None:
    name_width = max([len("benchmark"), *(len(r.name) for r in results)])
    note_width = max([len("conditions"), *(len(r.note) for r in results)])
    header = (
        f"{'benchmark':<{name_width}}  {'N':>6}  {'p50 ms':>8}  {'p95 ms':>8}  {'throughput/s':>12}  "
        f"{'errors':>6}  {'conditions':<{note_width}}"
    )
    rule = "-" * len(header)
    if title:
        print(f"\n{title}")
    print(rule)
    print(header)
    print(rule)
    for r in results:
        flag = "  (time limit reached)" if r.stopped_early else ""
        print(
            f"{r.name:<{name_width}}  {r.n:>6}  {r.p50_ms:>8.2f}  {r.p95_ms:>8.2f}  {r.throughput:>12.1f}  "
            f"{r.errors:>6}  {r.note:<{note_width}}{flag}"
        )
    print(rule)
    for r in results:
        for sample in r.error_samples:
            print(f"  ! {r.name}: {sample}")


def print_summary(results: Sequence[Result]) -> None:
    print("\nSummary")
    for r in results:
        extra = f", {r.errors} errors" if r.errors else ""
        extra += ", stopped by the time limit" if r.stopped_early else ""
        print(
            f"{r.name}: p50 {r.p50_ms:.2f} ms, p95 {r.p95_ms:.2f} ms, {r.throughput:.1f}/s (N={r.n}, {r.note}{extra})"
        )


def machine_line() -> str:
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; database: {database_label()}"
    )


def database_label() -> str:
    return "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite"


# --------------------------------------------------------------------------------------------
# The app under gunicorn


@dataclass
class Server:
    host: str
    port: int
    database: str  # "sqlite" or "postgresql"
    env: dict[str, str]  # the environment the server runs with (for extra flask commands)
    tmp: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connection(self, timeout: float = 10.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _executable(name: str) -> str:
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found next to {sys.executable} nor on PATH: run `make install`")
    return found


def flask_command(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run `flask --app wsgi ARGS` with the server's environment; return its output or raise."""
    done = subprocess.run(
        [_executable("flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _postgres_url(admin_url: str, name: str) -> str:
    """Create the empty database `name` beside admin_url's; return its URL (psycopg driver)."""
    import sqlalchemy as sa

    from config import database_url

    url = sa.engine.make_url(database_url(admin_url))
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    from config import database_url

    engine = sa.create_engine(database_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def _get(host: str, port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={**BASE_HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def _log_tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers gracefully
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own process group (start_new_session)
        process.wait(10)


@contextlib.contextmanager
def running_app(
    *,
    workers: int = 2,
    setup: Callable[[dict[str, str]], None] | None = None,
    extra_env: dict[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Iterator[Server]:
    """Start `gunicorn -w WORKERS wsgi:app` on loopback over a fresh, migrated database holding the demo
    content; yield a Server once it answers; stop it and remove the database afterwards.

    `setup(env)` runs after `db upgrade` and `demo load` and before gunicorn starts, with the server's
    environment, e.g. to seed data through `flask_command(env, ...)`.
    """
    tmp = Path(tempfile.mkdtemp(prefix="jiebang-bench-"))
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    pg_name = f"jiebang_bench_{os.getpid()}" if admin_url else None
    process: subprocess.Popen | None = None
    try:
        if admin_url:
            database_url = _postgres_url(admin_url, pg_name)
        else:
            database_url = f"sqlite:///{tmp}/bench.sqlite3"
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "RATELIMIT_STORAGE_URI", "FLASK_APP"}}
        env.update(
            {
                "JIEBANG_ENV": "development",
                "JIEBANG_INSTANCE": str(tmp),
                "DATABASE_URL": database_url,
                "MAIL_FOLDER": str(tmp / "mail"),
                "PYTHONUNBUFFERED": "1",
                **(extra_env or {}),
            }
        )
        flask_command(env, "db", "upgrade")
        flask_command(env, "demo", "load")
        if setup is not None:
            setup(env)

        port = free_port()
        log = tmp / "gunicorn.log"
        with log.open("ab") as log_file:
            process = subprocess.Popen(
                [_executable("gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server("127.0.0.1", port, "postgresql" if admin_url else "sqlite", env, tmp)
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_log_tail(log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if _get(server.host, server.port, "/healthz", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {startup_timeout:.0f}s:\n{_log_tail(log)}")
            time.sleep(0.2)
        yield server
    finally:
        if process is not None:
            _stop(process)
        if pg_name:
            _drop_postgres(admin_url, pg_name)
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Logging in through the form


def _cookie_pairs(response: http.client.HTTPResponse) -> dict[str, str]:
    pairs = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].strip().partition("=")
        pairs[name] = value
    return pairs


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def csrf_token(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    if not match:
        raise RuntimeError('no <meta name="csrf-token"> on the page')
    return match.group(1)


def login(server: Server, email: str, password: str) -> str:
    """Log in through POST /login like a browser; return the Cookie header of the logged-in session.

    One successful login per call: the login endpoint limits failed attempts (5 a minute), so a wrong
    password raises at once instead of being retried.
    """
    conn = server.connection()
    try:
        conn.request("GET", "/login", headers=BASE_HEADERS)
        response = conn.getresponse()
        html = response.read().decode("utf-8", "replace")
        if response.status != 200:
            raise RuntimeError(f"GET /login answered HTTP {response.status}")
        jar = _cookie_pairs(response)
        form = urlencode({"csrf_token": csrf_token(html), "email": email, "password": password})
        conn.request(
            "POST",
            "/login",
            body=form,
            headers={
                **BASE_HEADERS,
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header(jar),
            },
        )
        response = conn.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"login as {email} failed: HTTP {response.status} (expected a 302 redirect)")
        jar.update(_cookie_pairs(response))
        return cookie_header(jar)
    finally:
        conn.close()


def fetch(server: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One GET, for checking a page before loading it: (status, body as text)."""
    status, body, _ = _get(server.host, server.port, path, headers)
    return status, body.decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# The load generator, in its own process


@dataclass
class LoadSpec:
    host: str
    port: int
    paths: list[str]  # requested in turn
    requests: int  # measured requests, at most
    concurrency: int  # connections, one thread each
    time_limit: float  # seconds for the measured phase, at most
    headers: dict[str, str] = field(default_factory=dict)
    warmup: int = 10  # unmeasured requests per connection first
    expect_status: int = 200
    timeout: float = 10.0  # per socket operation


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, requests answered with expect_status
    wall: float
    errors: int
    error_samples: list[str]
    stopped_early: bool


def _fetch_once(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()  # a response with Connection: close closes the socket; the next request reconnects
    return response.status


def generate_load(spec: LoadSpec) -> LoadResult:
    """The load itself (runs in the child process): `concurrency` threads share the request budget."""
    headers = {**BASE_HEADERS, **spec.headers}
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    window = {"start": 0.0, "deadline": 0.0}

    def open_window() -> None:
        window["start"] = time.perf_counter()
        window["deadline"] = window["start"] + spec.time_limit

    barrier = threading.Barrier(spec.concurrency, action=open_window, timeout=spec.timeout * (spec.warmup + 2))

    def claim() -> int | None:
        nonlocal issued
        with lock:
            if issued >= spec.requests or time.perf_counter() >= window["deadline"]:
                return None
            issued += 1
            return issued - 1

    def error(message: str) -> None:
        with lock:
            errors[message] += 1

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(spec.host, spec.port, timeout=spec.timeout)
        mine: list[float] = []
        try:
            for i in range(spec.warmup):
                try:
                    _fetch_once(conn, spec.paths[(index + i) % len(spec.paths)], headers)
                except (OSError, http.client.HTTPException):
                    conn.close()
            barrier.wait()
            while (ticket := claim()) is not None:
                path = spec.paths[ticket % len(spec.paths)]
                started = time.perf_counter()
                try:
                    status = _fetch_once(conn, path, headers)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    error(f"GET {path}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                if status == spec.expect_status:
                    mine.append(elapsed)
                else:
                    error(f"GET {path}: HTTP {status}")
        except threading.BrokenBarrierError:
            error("warm-up did not finish on every connection")
        except BaseException as exc:  # noqa: BLE001 - reported, never lost in a thread
            barrier.abort()
            error(f"load thread failed: {type(exc).__name__}: {exc}")
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(spec.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ended = time.perf_counter()
    wall = ended - window["start"] if window["start"] else 0.0
    return LoadResult(
        latencies=latencies,
        wall=wall,
        errors=sum(errors.values()),
        error_samples=[f"{count} x {message}" for message, count in errors.most_common(5)],
        stopped_early=issued < spec.requests,
    )


def _load_child(spec: LoadSpec, out: multiprocessing.Queue) -> None:
    try:
        out.put(("ok", generate_load(spec)))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def run_load(spec: LoadSpec) -> LoadResult:
    """Run generate_load(spec) in a separate (spawned) process, so the client does not share the
    benchmark's interpreter; wait for it at most the time limit plus generous slack."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_load_child, args=(spec, out), name="bench-load", daemon=True)
    child.start()
    budget = spec.time_limit + spec.timeout * (spec.warmup + 3) + 30
    try:
        kind, payload = out.get(timeout=budget)
    except queue.Empty:
        raise RuntimeError(f"the load generator did not report within {budget:.0f}s") from None
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()
            child.join(5)
    if kind != "ok":
        raise RuntimeError(f"the load generator failed: {payload}")
    return payload
