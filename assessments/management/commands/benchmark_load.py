"""The load test: quiz takers (loadtest/locustfile.py) against the production stack on this machine.

Brings up, on 127.0.0.1 only, gunicorn with ``config.settings.production`` and a Celery worker, on a PostgreSQL
database and two Redis databases of the run's own (created and seeded when missing: migrate, seed_demo,
loadtest_prepare, collectstatic); runs locust headless, bounded by ``--users``, ``--spawn-rate`` and ``--run-time``;
reads locust's CSV statistics; stops everything it started, also on failure or Ctrl-C. Follows people.benchmarks:
``--json`` prints one object, one figure per endpoint (n, median, p95, plus p99_ms, rps, errors).

The stack's environment is a throwaway one (secret key, salt) with what plain http on loopback needs
(ALLOWED_HOSTS=127.0.0.1, no HTTPS redirect, cookies not marked secure); it never touches the caller's settings."""

import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people.benchmarks import add_json_argument, emit
from people.tasks import worker_queues

ROOT = Path(settings.BASE_DIR)
LINE = re.compile(r":\d+\)$")
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"


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
                                 "stacks through this view function (e.g. attempt_take)")
        parser.add_argument("--keep-csv", default="", help="copy locust's CSV files to this folder")
        add_json_argument(parser)

    def handle(self, *args, **options):
        if not shutil.which("locust", path=str(Path(sys.executable).parent)):
            raise CommandError("locust is not installed: pip install -e '.[load]'")
        work = Path(tempfile.mkdtemp(prefix="benchmark-load-"))
        port = free_port()
        env = self._environment(options, port)
        started: list[subprocess.Popen] = []
        try:
            sessions = work / "sessions.txt" if options["signed_in"] else None
            quiz_id = self._prepare(env, options["users"], options["questions"], sessions)
            started.append(self._spawn("celery", [sys.executable, "-m", "celery", "-A", "config", "worker",
                                                  "--concurrency", "1", "-Q", worker_queues(), "-l", "WARNING"],
                                       env, work))
            gunicorn = self._spawn("gunicorn", [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(options["workers"]), "--threads", str(options["threads"]),
                # Idle keep-alive connections held a minute: on loopback there is no proxy in front, and gunicorn's
                # 2 s default would close a thinking taker's connection under a request being sent.
                "--timeout", "60", "--graceful-timeout", "20", "--backlog", "4096", "--keep-alive", "60"], env, work)
            started.append(gunicorn)
            self._wait_until_up(port, gunicorn, work)
            profiler = None
            if options["profile"]:
                profiler = self._spawn("py-spy", [str(Path(sys.executable).parent / "py-spy"), "record",
                                                  "--pid", str(gunicorn.pid), "--subprocesses", "--format", "raw",
                                                  "--rate", "50", "--output", str(work / "profile.raw")], env, work)
                started.append(profiler)
            load_before = os.getloadavg()
            locust = subprocess.run([  # noqa: S603  (our own fixed command line)
                str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--headless",
                "--host", f"http://127.0.0.1:{port}", "--users", str(options["users"]),
                "--spawn-rate", str(options["spawn_rate"]), "--run-time", options["run_time"],
                "--stop-timeout", "5", "--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING"],
                env={**env, "LOADTEST_QUIZ_ID": str(quiz_id), "LOADTEST_THINK": str(options["think"]),
                     "LOADTEST_RAMP": str(options["ramp"]), "LOADTEST_BURST": str(options["burst"]),
                     "LOADTEST_SESSIONS": str(sessions or ""), "LOADTEST_BURST_AFTER": "5" if sessions else "30"},
                cwd=ROOT, capture_output=True, text=True, check=False)
            load_after = os.getloadavg()
            (work / "locust.log").write_text(locust.stdout + locust.stderr)
            if not (work / "locust_stats.csv").exists():
                raise CommandError(f"locust wrote no statistics:\n{(locust.stdout + locust.stderr)[-3000:]}")
            if profiler:
                os.kill(profiler.pid, signal.SIGINT)  # py-spy writes its file on SIGINT
                profiler.wait(30)
                self._write_profile(work / "profile.raw", options["profile"])
            if options["keep_csv"]:
                folder = Path(options["keep_csv"])
                folder.mkdir(parents=True, exist_ok=True)
                for path in work.glob("locust*"):
                    shutil.copy(path, folder / path.name)
            figures = self._figures(work / "locust_stats.csv", options, load_before, load_after)
            emit(self, "load", figures, options["json"])
        finally:
            for process in reversed(started):
                stop(process)
            shutil.rmtree(work, ignore_errors=True)

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
            done = subprocess.run([sys.executable, "manage.py", *arguments], env=env, cwd=ROOT,  # noqa: S603
                                  capture_output=True, text=True, check=False)
            if done.returncode:
                raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
            return done.stdout

        manage("migrate", "--no-input", "-v", "0")
        if not json.loads(manage("loadtest_prepare", "--check", "--json"))["seeded"]:
            manage("seed_demo")
        manage("collectstatic", "--no-input", "-v", "0")
        signing_in = ["--sessions", str(sessions)] if sessions else []
        lines = [line for line in manage("loadtest_prepare", "--takers", str(users), "--questions", str(questions),
                                          "--fresh", "--json",
                                          *signing_in).splitlines()
                 if line.startswith("{")]
        return json.loads(lines[-1])["quiz_id"]

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
            start = next(i for i, frame in enumerate(frames) if frame.startswith(f"{view} ("))
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
