"""The load test: quiz takers (loadtest/locustfile.py) against the production stack on this machine.

Brings up, on 127.0.0.1 only, gunicorn with ``config.settings.production`` and a Celery worker, on a PostgreSQL
database and two Redis databases of the run's own (created and seeded when missing: migrate, seed_demo,
loadtest_prepare, collectstatic); runs locust headless, bounded by ``--users``, ``--spawn-rate`` and ``--run-time``;
reads locust's CSV statistics; stops everything it started, also on failure or Ctrl-C. Follows people.benchmarks:
``--json`` prints one object, one figure per endpoint (n, median, p95, plus p99_ms, rps, errors).

Every run is calibrated (people.calibration): the figures start with a pure-Python loop's time and the bare request
floor (``/health/`` through the same gunicorn, before the load), a probe asks ``/health/`` once a second during the
load, and each endpoint's *server time* (gunicorn's own measure, from its access log: the time a worker spent on the
request, not the wait for one) is also given as a multiple of that probe's server time in the same phase
(``x_floor``). ``all requests (steady)`` and ``all requests (arrival)`` are the steady state's and the arrival
window's percentiles over every taker request. ``--capacity`` finds the largest number of takers the machine holds;
``--cpu-quota`` caps the whole stack (this command, gunicorn, the worker, locust and the PostgreSQL backends serving
the run's database) to a number of CPUs, so a fast machine measures like a slow one.

The stack's environment is a throwaway one (secret key, salt) with what plain http on loopback needs
(ALLOWED_HOSTS=127.0.0.1, no HTTPS redirect, cookies not marked secure); it never touches the caller's settings."""

import argparse
import contextlib
import csv
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people.benchmarks import add_json_argument, emit
from people.calibration import (
    SLOW_MACHINE_LOOPS_PER_S,
    CpuCap,
    CpuWatch,
    LoopSampler,
    cpu_split,
    loop_figure,
    python_loop_seconds,
    quota_as_slow_as_issue_21,
    server_calibration,
)
from people.tasks import worker_queues

ROOT = Path(settings.BASE_DIR)
LINE = re.compile(r":\d+\)$")
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
FLOOR_NAME = "floor (bare view)"
# gunicorn's access log, one line a request: when it ended, method, path, status, microseconds the worker spent.
ACCESS_FORMAT = '%(t)s %(m)s %(U)s %(s)s %(D)s'
ACCESS_LINE = re.compile(r"^\[([^\]]+)\] (\S+) (\S+) (\d+) (\d+)$")
# The locustfile's request names by method and path (server side, where only the path is known).
ENDPOINTS = [
    ("GET", re.compile(r"^/accounts/login/$"), "login page"),
    ("POST", re.compile(r"^/accounts/login/$"), "log in"),
    ("GET", re.compile(r"^/exams/\d+/$"), "open exam"),
    ("POST", re.compile(r"^/exams/\d+/start/$"), "start attempt"),
    ("GET", re.compile(r"^/exams/attempt/\d+/$"), "question page"),
    ("POST", re.compile(r"^/exams/attempt/\d+/answer/$"), "save answer"),
    ("POST", re.compile(r"^/exams/attempt/\d+/submit/$"), "submit attempt"),
    ("GET", re.compile(r"^/exams/attempt/\d+/review/$"), "review"),
    ("GET", re.compile(r"^/health/$"), FLOOR_NAME),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * share) - 1))]


def endpoint_name(method: str, path: str) -> str | None:
    return next((name for m, pattern, name in ENDPOINTS if m == method and pattern.match(path)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process this command started (its own session: the whole group, e.g. gunicorn's workers)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        pass


def step_errors(figures: list[dict]) -> int:
    """The failed requests of a run's endpoints, each counted once: not the totals ("all requests", its steady and
    arrival parts), not the floor probe, and not lines that count no requests (the CPU split)."""
    return sum(f.get("errors", 0) for f in figures if f["label"] not in {"all requests", FLOOR_NAME}
               and not f["label"].startswith(("all requests (", "cpu:")))


SLOW = "slow"


def _quota(value: str) -> float | str:
    """``--cpu-quota``: a number of CPUs, or "slow" (worked out from this machine's loop when the run starts)."""
    if value == SLOW:
        return SLOW
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of CPUs nor '{SLOW}': {value}") from None


class Command(BaseCommand):
    help = ("Load test: quiz takers (locust, headless) against gunicorn + PostgreSQL + Redis + a Celery worker on "
            "127.0.0.1; prints throughput and p50/p95/p99 and errors per endpoint. Takes minutes; needs "
            "PostgreSQL and Redis (benchmark_report runs it only with --load).")

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200, help="concurrent quiz takers")
        parser.add_argument("--spawn-rate", type=float, default=20, help="takers started per second")
        parser.add_argument("--run-time", default="60s", help="how long locust runs (locust syntax: 90s, 4m)")
        parser.add_argument("--think", type=float, default=30, help="seconds a taker thinks before each answer")
        parser.add_argument("--questions", type=int, default=20, help="questions in the exam the takers sit")
        parser.add_argument("--ramp", type=float, default=0,
                            help="report requests of the first N seconds apart, as '… (ramp)'")
        parser.add_argument("--burst", type=float, default=0,
                            help="burst: every taker logs in first, then all start the exam within N seconds")
        parser.add_argument("--signed-in", action="store_true",
                            help="takers logged in before the exam (sessions made by loadtest_prepare): no log-in "
                                 "requests, only the exam's")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/mediator_academy_load",
                            help="PostgreSQL database of the run's own (created when missing)")
        parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server")
        parser.add_argument("--redis-db", type=int, default=6, help="broker database; the cache uses the next one")
        parser.add_argument("--profile", default="", metavar="ENDPOINT_VIEW",
                            help="sample the app server with py-spy and write docs/profiles/<view>.txt for the "
                                 "stacks through this view function (e.g. attempt_take; several: a,b)")
        parser.add_argument("--keep-csv", default="", help="copy locust's CSV files to this folder")
        parser.add_argument("--cpu-quota", type=_quota, default=0, metavar="CPUS|slow",
                            help="cap the whole stack (gunicorn, worker, locust, this command and the PostgreSQL "
                                 "backends of the run's database) to this many CPUs with a cgroup (root only), "
                                 "e.g. 0.6; 'slow': the quota that makes this machine as slow as issue #21's, "
                                 "from the loop timed here first and re-set every 10 s from the loop sampled "
                                 "during the run (hosts drift); the calibration shows the machine it makes")
        parser.add_argument("--capacity", default="", metavar="TAKERS,TAKERS,…",
                            help="stepped mode: run these numbers of takers in turn (arriving at --spawn-rate) and "
                                 "report the largest whose steady state holds p95 < --target-p95 with 0 errors; "
                                 "stops at the first that fails")
        parser.add_argument("--step-time", type=float, default=180,
                            help="stepped mode: seconds of steady state measured per step, after the arrival")
        parser.add_argument("--target-p95", type=float, default=200, help="stepped mode: the steady p95 to hold, ms")
        add_json_argument(parser)

    def handle(self, *args, **options):
        if not shutil.which("locust", path=str(Path(sys.executable).parent)):
            raise CommandError("locust is not installed: pip install -e '.[load]'")
        quota = options["cpu_quota"]
        options["follow_issue_21"] = quota == SLOW  # the quota then follows the host's pace during the run
        if quota == SLOW:
            loop = statistics.median(python_loop_seconds())
            quota = options["cpu_quota"] = quota_as_slow_as_issue_21(loop)
            self.stderr.write(f"cpu quota {quota}: the loop took {loop * 1000:.0f} ms uncapped here, and issue "
                              f"#21's machine ran {SLOW_MACHINE_LOOPS_PER_S} loops a second")
        with CpuCap(quota) if quota and CpuCap.active is None else contextlib.nullcontext():
            emit(self, "load", self._run_all(options), options["json"])

    def _run_all(self, options) -> list[dict]:
        work = Path(tempfile.mkdtemp(prefix="benchmark-load-"))
        port = free_port()
        env = self._environment(options, port)
        steps = [int(n) for n in options["capacity"].split(",") if n.strip()] if options["capacity"] else []
        takers = max(steps) if steps else options["users"]
        started: list[subprocess.Popen] = []
        stop_capping = threading.Event()
        # The loop first, alone in the cap: later it would share the quota with the worker's and gunicorn's start.
        loop = loop_figure(python_loop_seconds(), options["cpu_quota"] or None)
        try:
            if CpuCap.active is not None:
                threading.Thread(target=self._cap_backends, args=(env["DATABASE_URL"], stop_capping),
                                 daemon=True).start()
            sessions = work / "sessions.txt" if options["signed_in"] else None
            quiz_id = self._prepare(env, takers, options["questions"], sessions)
            # The worker at a lower CPU priority, as the README runs it on one machine: under load the takers'
            # requests go first and the background work (evaluations after passes) fills the gaps.
            started.append(self._spawn("celery", [
                "nice", "-n", "10", sys.executable, "-m", "celery", "-A", "config", "worker",
                "--concurrency", "1", "-Q", worker_queues(), "-l", "WARNING"], env, work))
            gunicorn = self._spawn("gunicorn", [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(options["workers"]), "--threads", str(options["threads"]),
                # Idle keep-alive connections held a minute: on loopback there is no proxy in front, and gunicorn's
                # 2 s default would close a thinking taker's connection under a request being sent.
                "--timeout", "60", "--graceful-timeout", "20", "--backlog", "4096", "--keep-alive", "60",
                # Each request's server time (the worker's, not the queue's), for the ×floor figures.
                "--access-logfile", str(work / "access.log"), "--access-logformat", ACCESS_FORMAT], env, work)
            started.append(gunicorn)
            self._wait_until_up(port, gunicorn, work)
            calibration = server_calibration("127.0.0.1", port, cpu_quota=options["cpu_quota"] or None, loop=loop)
            profiler = None
            if options["profile"]:
                profiler = self._spawn("py-spy", [str(Path(sys.executable).parent / "py-spy"), "record",
                                                  "--pid", str(gunicorn.pid), "--subprocesses", "--format", "raw",
                                                  "--rate", "50", "--output", str(work / "profile.raw")], env, work)
                started.append(profiler)
            # The loop again while the takers run: the host's pace drifts, and this is the pace the figures got.
            with LoopSampler(cap=CpuCap.active, follow_issue_21=options.get("follow_issue_21", False)) as pace:
                if steps:
                    figures = self._capacity(env, work, quiz_id, sessions, steps, options)
                else:
                    figures = self._locust(env, work, quiz_id, sessions, options, users=options["users"],
                                           spawn_rate=options["spawn_rate"], run_time=options["run_time"],
                                           ramp=options["ramp"])
            if during := pace.figure():
                calibration.append(during)
            if profiler:
                os.kill(profiler.pid, signal.SIGINT)  # py-spy writes its file on SIGINT
                profiler.wait(30)
                if options["keep_csv"] and (work / "profile.raw").exists():
                    shutil.copy(work / "profile.raw", Path(options["keep_csv"]) / "profile.raw")
                for view in options["profile"].split(","):
                    self._write_profile(work / "profile.raw", view.strip())
            return calibration + figures
        finally:
            stop_capping.set()
            for process in reversed(started):
                stop(process)
            shutil.rmtree(work, ignore_errors=True)

    def _locust(self, env: dict, work: Path, quiz_id: int, sessions: Path | None, options, *, users: int,
                spawn_rate: float, run_time: str, ramp: float) -> list[dict]:
        """One locust run of ``users`` takers (plus the floor probe); its figures per endpoint, with server times
        and their multiple of the floor, then the steady state and the arrival window over all requests."""
        for stale in work.glob("locust*"):
            stale.unlink()
        access = work / "access.log"
        skip_lines = sum(1 for _line in access.open()) if access.exists() else 0
        load_before = os.getloadavg()
        began = time.time()
        with CpuWatch() as cpu:
            locust = subprocess.run([  # noqa: S603  (our own fixed command line)
                str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--headless",
                "--host", env["WAGTAILADMIN_BASE_URL"], "--users", str(users + 1),  # + the floor probe
                "--spawn-rate", str(spawn_rate), "--run-time", run_time,
                "--stop-timeout", "5", "--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING"],
                env={**env, "LOADTEST_QUIZ_ID": str(quiz_id), "LOADTEST_THINK": str(options["think"]),
                     "LOADTEST_RAMP": str(ramp), "LOADTEST_BURST": str(options["burst"]),
                     "LOADTEST_SESSIONS": str(sessions or ""), "LOADTEST_BURST_AFTER": "5" if sessions else "30",
                     "LOADTEST_FLOOR": "1", "LOADTEST_TIMINGS": str(work / "timings.json")},
                cwd=ROOT, capture_output=True, text=True, check=False)
        load_after = os.getloadavg()
        (work / "locust.log").write_text(locust.stdout + locust.stderr)
        if not (work / "locust_stats.csv").exists():
            raise CommandError(f"locust wrote no statistics:\n{(locust.stdout + locust.stderr)[-3000:]}")
        if options["keep_csv"]:
            folder = Path(options["keep_csv"])
            folder.mkdir(parents=True, exist_ok=True)
            for path in [*work.glob("locust*"), work / "timings.json", access]:
                if path.exists():
                    shutil.copy(path, folder / path.name)
        run = {**options, "users": users, "spawn_rate": spawn_rate, "run_time": run_time}
        figures = self._figures(work / "locust_stats.csv", run, load_before, load_after)
        servers = self._server_times(access, skip_lines, began, ramp)
        floors = {phase: times.get(FLOOR_NAME) for phase, times in servers.items()}
        for item in figures:
            phase = "ramp" if item["label"].endswith(" (ramp)") else "steady"
            name = item["label"].removesuffix(" (ramp)")
            times = servers[phase].get(name)
            if times:
                item |= {"server_median_ms": round(statistics.median(times), 2),
                         "server_p95_ms": round(percentile(times, 0.95), 2)}
                floor = floors[phase]
                if floor and name != FLOOR_NAME:
                    item |= {"floor_median_ms": round(statistics.median(floor), 2),
                             "ratio_to_floor": round(statistics.median(times) / statistics.median(floor), 2)}
        phases = self._phases(work / "timings.json", run)
        requests = sum(item["n"] for item in phases)
        return figures + phases + [cpu_split(cpu.before, cpu.last, seconds=time.time() - began, requests=requests)
                                  | {"throttled_share": cpu.throttled_share()}]

    @staticmethod
    def _server_times(access: Path, skip_lines: int, began: float, ramp: float) -> dict[str, dict[str, list]]:
        """Server milliseconds per endpoint and phase ("ramp": the first ``ramp`` seconds of the run) from
        gunicorn's access log, skipping the lines written before this run."""
        result: dict[str, dict[str, list]] = {"ramp": {}, "steady": {}}
        if not access.exists():
            return result
        with access.open() as handle:
            for number, line in enumerate(handle):
                found = ACCESS_LINE.match(line.strip())
                if number < skip_lines or not found:
                    continue
                when, method, path, _status, micros = found.groups()
                name = endpoint_name(method, path)
                if name is None:
                    continue
                at = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z").timestamp()
                phase = "ramp" if ramp and at - began < ramp else "steady"
                result[phase].setdefault(name, []).append(int(micros) / 1000)
        return result

    @staticmethod
    def _phases(path: Path, run: dict) -> list[dict]:
        """All taker requests (the floor probe left out) of the steady state and of the arrival window."""
        if not path.exists():
            return []
        timings = json.loads(path.read_text())
        figures = []
        for phase, label in (("steady", "all requests (steady)"), ("ramp", "all requests (arrival)")):
            rows = [row for row in timings if row[0] == phase]
            if not rows:
                continue
            ms = [row[2] for row in rows]
            span = max(row[1] for row in rows) - min(row[1] for row in rows)
            figures.append({"label": label, "n": len(ms), "median_ms": round(statistics.median(ms), 1),
                            "p95_ms": round(percentile(ms, 0.95), 1), "p99_ms": round(percentile(ms, 0.99), 1),
                            "rps": round(len(ms) / span, 2) if span else 0, "errors": sum(row[3] for row in rows),
                            "users": run["users"]})
        return figures

    def _capacity(self, env: dict, work: Path, quiz_id: int, sessions: Path | None, steps: list[int],
                  options) -> list[dict]:
        """Stepped mode: each number of takers in turn on the same stack, every taker starting anew; a step holds
        when its steady state's p95 over all requests stays under the target with no error anywhere in it. The
        arrival window is ``takers / spawn rate`` seconds plus three quarters of a think time (a taker waits up to
        that long before opening the exam)."""
        rate, figures, capacity = options["spawn_rate"], [], 0
        for number, users in enumerate(steps):
            if number:
                self._manage(env, "loadtest_prepare", "--takers", str(max(steps)), "--questions",
                             str(options["questions"]), "--fresh", "--json")
            ramp = users / rate + 0.75 * options["think"]
            run_time = f"{math.ceil(ramp + options['step_time'])}s"
            step = self._locust(env, work, quiz_id, sessions, options, users=users, spawn_rate=rate,
                                run_time=run_time, ramp=ramp)
            steady = next((f for f in step if f["label"] == "all requests (steady)"), None)
            arrival = next((f for f in step if f["label"] == "all requests (arrival)"), None)
            errors = step_errors(step)
            holds = bool(steady) and steady["p95_ms"] < options["target_p95"] and errors == 0
            by_label = {f["label"]: f for f in step}
            save, floor = by_label.get("save answer", {}), by_label.get(FLOOR_NAME, {})
            figures.append({
                "label": f"capacity step: {users} takers", "n": steady["n"] if steady else 0,
                "median_ms": steady["median_ms"] if steady else 0, "p95_ms": steady["p95_ms"] if steady else 0,
                "arrival_p95_ms": arrival["p95_ms"] if arrival else None, "errors": errors,
                "rps": steady["rps"] if steady else 0, "holds": holds,
                "save_answer_server_p50_ms": save.get("server_median_ms"),
                "floor_server_p50_ms": floor.get("server_median_ms"), "save_answer_x_floor": save.get("ratio_to_floor"),
                "load_after": round(os.getloadavg()[0], 2)})
            self.stderr.write(json.dumps(figures[-1], ensure_ascii=False))
            if not holds:
                break
            capacity = users
        figures.append({"label": "capacity (takers holding the target)", "n": len(figures), "median_ms": 0,
                        "p95_ms": 0, "takers": capacity, "target_p95_ms": options["target_p95"],
                        "spawn_rate": rate, "think_s": options["think"], "step_time_s": options["step_time"],
                        "signed_in": options["signed_in"], "gunicorn": f"{options['workers']}x{options['threads']}"})
        return figures

    def _cap_backends(self, url: str, done: threading.Event) -> None:
        """Put the PostgreSQL backends serving the run's database in the CPU cap as they appear (their share of the
        work belongs to the stack being measured; the server's other databases are left alone)."""
        import psycopg

        server, name = url.rsplit("/", 1)
        moved: set[int] = set()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            while not done.wait(1.0):
                cap = CpuCap.active
                if cap is None:
                    return
                rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]).fetchall()
                for (pid,) in rows:
                    if pid not in moved and cap.add(pid):
                        moved.add(pid)

    # --- The stack

    def _environment(self, options, port: int) -> dict:
        redis = options["redis"].rstrip("/")
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50), "NATIONAL_ID_SALT": "load-test-throwaway-salt",
            "DATABASE_URL": options["postgres"], "CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": f"{redis}/{options['redis_db']}", "CACHE_URL": f"{redis}/{options['redis_db'] + 1}",
            "ALLOWED_HOSTS": "127.0.0.1", "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{port}",
            # Plain http on loopback, no TLS proxy: no redirect to https, cookies a plain-http client sends back.
            "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0", "EMAIL_URL": "consolemail://",
        }

    def _prepare(self, env: dict, users: int, questions: int, sessions: Path | None) -> int:
        """Create the database when missing and bring it up to date; return the load-test exam's id."""
        import psycopg

        url = env["DATABASE_URL"]
        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')

        def manage(*arguments) -> str:
            return self._manage(env, *arguments)

        manage("migrate", "--no-input", "-v", "0")
        if not json.loads(manage("loadtest_prepare", "--check", "--json"))["seeded"]:
            manage("seed_demo")
        if not self._static_collected():
            manage("collectstatic", "--no-input", "-v", "0")
        signing_in = ["--sessions", str(sessions)] if sessions else []
        lines = [line for line in manage("loadtest_prepare", "--takers", str(users), "--questions", str(questions),
                                          "--fresh", "--json",
                                          *signing_in).splitlines()
                 if line.startswith("{")]
        return json.loads(lines[-1])["quiz_id"]

    @staticmethod
    def _static_collected() -> bool:
        """collectstatic (with the manifest's compression) takes a minute of a core: only when a file under
        site/static is newer than the manifest an earlier run wrote."""
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if not manifest.exists():
            return False
        written = manifest.stat().st_mtime
        return all(path.stat().st_mtime < written for path in (ROOT / "site" / "static").rglob("*") if path.is_file())

    @staticmethod
    def _manage(env: dict, *arguments) -> str:
        done = subprocess.run([sys.executable, "manage.py", *arguments], env=env, cwd=ROOT,  # noqa: S603
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    @staticmethod
    def _spawn(name: str, command: list[str], env: dict, work: Path) -> subprocess.Popen:
        log = open(work / f"{name}.log", "w")  # noqa: SIM115  (the process writes to it until it stops)
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)

    @staticmethod
    def _wait_until_up(port: int, gunicorn: subprocess.Popen, work: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if gunicorn.poll() is not None:
                break
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)  # noqa: S310
                return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"gunicorn did not start:\n{(work / 'gunicorn.log').read_text()[-3000:]}")

    # --- Results

    @staticmethod
    def _figures(path: Path, options, load_before, load_after) -> list[dict]:
        figures = []
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                count = int(row["Request Count"])
                if not count:
                    continue
                label = "all requests" if row["Name"] == "Aggregated" else row["Name"]
                figures.append({
                    "label": label, "n": count, "median_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]), "rps": round(float(row["Requests/s"]), 2),
                    "errors": int(row["Failure Count"]),
                })
        if figures:
            figures[-1] |= {"users": options["users"], "spawn_rate": options["spawn_rate"],
                            "run_time": options["run_time"], "think_s": options["think"],
                            "questions": options["questions"],
                            "burst_s": options["burst"], "signed_in": options["signed_in"],
                            "gunicorn": f"{options['workers']}x{options['threads']}",
                            "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2)}
        return figures

    @staticmethod
    def _write_profile(raw: Path, view: str, top: int = 40) -> None:
        """Summarise py-spy's collapsed stacks through ``view``: the share of samples per function (inclusive),
        the heaviest first; a small text file for docs/profiles/."""
        if not raw.exists():
            return
        total, inclusive = 0, {}
        for line in raw.read_text().splitlines():
            stack, _sep, count = line.rpartition(" ")
            if f"{view} (" not in stack or not count.isdigit():
                continue
            frames = [LINE.sub(")", frame) for frame in stack.split(";")]  # per function, not per line
            start = next((i for i, frame in enumerate(frames) if frame.startswith(f"{view} (")), None)
            if start is None:
                continue  # the name inside another function's name
            total += int(count)
            for frame in set(frames[start:]):
                inclusive[frame] = inclusive.get(frame, 0) + int(count)
        if not total:
            return
        lines = [f"py-spy samples (wall clock, 50 Hz) through {view} under load: {total}; share of them spent in each "
                 "function and what it calls", ""]
        for frame, count in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
            lines.append(f"{100 * count / total:5.1f}%  {frame}")
        folder = ROOT / "docs" / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{view}.txt").write_text("\n".join(lines) + "\n")
