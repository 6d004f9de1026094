"""A load test that runs here: 50 people at once for 2 minutes against the production set-up —
gunicorn (2 workers) on PostgreSQL (BENCH_DATABASE_URL; SQLite without it) with Redis (BENCH_REDIS_URL,
database 14 of the local Redis by default) and a Celery worker serving every queue — driven by
Locust from a process of its own over loopback (bench/locustfile.py: visitors browsing and
searching, researchers listing, enterprises posting, brokers deciding, an administrator on the
dashboard). Prints p50/p95 and throughput per page, the errors (the goal is none), and the CPU each
part used, which says what saturates first. The demo content (with the real lists when
../shared/data is there) is the database; LOAD_USERS and LOAD_SECONDS change the load.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import ROOT, Options, Result, fetch, running_app
from bench.dashboard_shared import celery_worker

TITLE = "load: 50 people for 2 minutes (Locust) on gunicorn + PostgreSQL + Redis + a Celery worker"
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _cpu_sampler(groups: dict[str, callable], stop: threading.Event, out: dict[str, list[float]]) -> None:
    """Every second, the CPU (in cores) of each group of processes."""
    import psutil

    seen: dict[int, psutil.Process] = {}
    while not stop.wait(1.0):
        for name, members in groups.items():
            total = 0.0
            for process in members():
                try:
                    handle = seen.setdefault(process.pid, process)
                    total += handle.cpu_percent(None) / 100
                except psutil.Error:
                    continue
            out.setdefault(name, []).append(total)


def _children(pid: int):
    import psutil

    def members():
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    return members


def _named(*words: str):
    import psutil

    def members():
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            text = " ".join(process.info.get("cmdline") or [process.info.get("name") or ""])
            if any(w in text for w in words):
                found.append(process)
        return found

    return members


def run(options: Options) -> list[Result]:
    users = options.concurrency or USERS
    seconds = int(options.time_limit or SECONDS)
    env_extra = {"REDIS_URL": REDIS_URL, "DEMO_REAL_DATA": os.environ.get("DEMO_REAL_DATA", "1")}
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture_output=True)
    with running_app(workers=2, extra_env=env_extra, startup_timeout=120) as server:
        status, _body = fetch(server, "/healthz")
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")
        worker_env = {**server.env}
        with celery_worker(worker_env, server.tmp) as worker:
            drained = _wait_until_idle(worker.pid, REDIS_URL)
            print(f"background work left by the demo load (its matching) done after {drained:.0f}s", flush=True)
            latencies_file = server.tmp / "latencies.json"
            locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
            gunicorn_pid = _gunicorn_pid(server.port)
            cpu: dict[str, list[float]] = {}
            stop = threading.Event()
            groups = {
                "gunicorn (2 workers)": _children(gunicorn_pid) if gunicorn_pid else _named("gunicorn"),
                "celery worker": _children(worker.pid),
                "postgresql" if server.database == "postgresql" else "sqlite (in gunicorn)": _named("postgres:")
                if server.database == "postgresql"
                else (lambda: []),
                "redis": _named("redis-server"),
            }
            sampler = threading.Thread(target=_cpu_sampler, args=(groups, stop, cpu), daemon=True)
            started = time.monotonic()
            sampler.start()
            done = subprocess.run(
                [
                    locust,
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(max(1, users // 10)),
                    "--run-time",
                    f"{seconds}s",
                    "--host",
                    server.base_url,
                    "--only-summary",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=ROOT,
                env={**os.environ, "LOAD_LATENCIES": str(latencies_file)},
                capture_output=True,
                text=True,
                timeout=seconds + 120,
            )
            wall = time.monotonic() - started
            stop.set()
            sampler.join(5)
            if done.returncode != 0 or not latencies_file.exists():
                raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
            data = json.loads(latencies_file.read_text(encoding="utf-8"))
    results = []
    names = sorted(set(data["latencies"]) | set(data["failures"]))
    for name in names:
        failures = data["failures"].get(name, [])
        results.append(
            Result(
                name=f"load {name}",
                latencies=data["latencies"].get(name, []),
                wall=wall,
                errors=len(failures),
                note=f"{users} users, {server.database}",
                error_samples=sorted(set(failures))[:3],
            )
        )
    everything = Result("all", [x for v in data["latencies"].values() for x in v], wall)
    errors = sum(len(v) for v in data["failures"].values())
    print(
        f"\nAll requests: {everything.n} in {wall:.0f}s, {everything.throughput:.1f}/s, p50 {everything.p50_ms:.1f} ms, "
        f"p95 {everything.p95_ms:.1f} ms, {errors} errors ({users} users, {server.database})"
    )
    print("CPU used during the load (cores, of 2): mean / peak")
    for name, samples in cpu.items():
        if samples:
            print(f"  {name:<24} {sum(samples) / len(samples):5.2f} / {max(samples):5.2f}")
    return results


def _wait_until_idle(worker_pid: int, redis_url: str, timeout: float = 1800) -> float:
    """Until the queues are empty and the worker has rested for five seconds: the load meets the
    site in its everyday state, not while the demo load's matching is still being computed."""
    import psutil

    started = time.monotonic()
    worker = psutil.Process(worker_pid)
    members = [worker, *worker.children(recursive=True)]
    for member in members:
        member.cpu_percent(None)
    quiet = 0
    while time.monotonic() - started < timeout:
        time.sleep(1)
        waiting = 0
        for queue in ("celery", "clock", "bulk"):
            out = subprocess.run(["redis-cli", "-u", redis_url, "llen", queue], capture_output=True, text=True)
            waiting += int(out.stdout.strip() or 0)
        busy = sum(m.cpu_percent(None) for m in members if m.is_running())
        quiet = quiet + 1 if waiting == 0 and busy < 5 else 0
        if quiet >= 5:
            break
    return time.monotonic() - started


def _gunicorn_pid(port: int) -> int | None:
    import psutil

    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info.get("cmdline") or []
        parent = process.parent()
        is_master = parent is None or "gunicorn" not in " ".join(parent.cmdline())
        if any("gunicorn" in part for part in cmdline) and f"127.0.0.1:{port}" in cmdline and is_master:
            return process.pid
    return None
