"""Sign-ins per second: the password hasher alone, then real sign-ins by mobile number through gunicorn on
PostgreSQL, and (``--storm``) the load test's login storm: takers signing in over a window, then starting an exam.

Uses the load test's stack (``benchmark_load``: gunicorn with production settings, PostgreSQL, Redis, its own
database, bounded, everything it starts is stopped), which is why it lives next to it. Follows people.benchmarks:
``--json`` prints one object. The client threads share the machine's cores with the server: on a two-core machine
the figures are a floor of what a separate client would measure."""

import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

from django.contrib.auth.hashers import get_hasher, make_password
from django.core.management import call_command
from django.core.management.base import CommandError

from people.benchmarks import emit, figure
from people.calibration import CpuCap, server_calibration

from .benchmark_load import Command as LoadCommand
from .benchmark_load import free_port, stop
from .loadtest_prepare import DEFAULT_PASSWORD, PHONE


class Command(LoadCommand):
    help = ("Sign-ins per second: hashing alone, then real sign-ins by mobile number through gunicorn on "
            "PostgreSQL; --storm adds the login storm (takers sign in over a window, then start an exam). "
            "Needs PostgreSQL and Redis; takes a minute or more.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--seconds", type=float, default=20, help="how long the sign-in clients run")
        parser.add_argument("--concurrency", type=int, default=8, help="client threads signing in at once")
        parser.add_argument("--takers", type=int, default=200, help="accounts the clients sign in as (by phone)")
        parser.add_argument("--storm", action="store_true",
                            help="also run the login storm through benchmark_load (--users takers over --window)")
        parser.add_argument("--window", type=float, default=120, help="seconds over which the storm's takers arrive")

    def handle(self, *args, **options):
        if options["storm"] and not shutil.which("locust", path=str(Path(sys.executable).parent)):
            raise CommandError("the storm needs locust: pip install -e '.[load]'")
        quota = options["cpu_quota"]
        with CpuCap(quota) if quota and CpuCap.active is None else contextlib.nullcontext():
            emit(self, "signin", self._measure(options), options["json"])

    def _measure(self, options) -> list[dict]:
        port = free_port()
        env = self._environment(options, port)
        work = Path(os.environ.get("TMPDIR", "/tmp")) / f"benchmark-signin-{port}"  # noqa: S108
        work.mkdir(parents=True, exist_ok=True)
        gunicorn = None
        done = threading.Event()
        try:
            if CpuCap.active is not None:
                threading.Thread(target=self._cap_backends, args=(env["DATABASE_URL"], done), daemon=True).start()
            self._prepare(env, options["takers"], 20, None)
            gunicorn = self._spawn("gunicorn", [
                sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(options["workers"]), "--threads", str(options["threads"]), "--timeout", "60"],
                env, work)
            self._wait_until_up(port, gunicorn, work)
            # The machine's speed in this run, through this gunicorn, before the hashing and the sign-ins.
            figures = server_calibration("127.0.0.1", port, cpu_quota=options["cpu_quota"] or None)
            figures.append(self._hashing())
            figures.append(self._sign_ins(port, options))
        finally:
            done.set()
            if gunicorn is not None:
                stop(gunicorn)
        if options["storm"]:
            # The storm's own stack measures its calibration again ("storm: calibration: …").
            figures += self._storm(options)
        return figures

    @staticmethod
    def _hashing(n: int = 10) -> dict:
        """The configured hasher's cost per sign-in (in this process), next to Django's PBKDF2 as the floor's
        opposite: the ratio says how many times cheaper a sign-in became."""
        hasher = get_hasher()
        encoded = make_password(DEFAULT_PASSWORD, hasher=hasher.algorithm)
        pbkdf2 = make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256")
        timings, old = [], []
        for _ in range(n):
            start = time.perf_counter()
            hasher.verify(DEFAULT_PASSWORD, encoded)
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            get_hasher("pbkdf2_sha256").verify(DEFAULT_PASSWORD, pbkdf2)
            old.append(time.perf_counter() - start)
        return figure(f"hash check ({hasher.algorithm})", timings, pbkdf2_median_ms=round(
            statistics.median(old) * 1000, 1), per_core_per_s=round(1 / statistics.median(timings), 1))

    @staticmethod
    def _sign_ins(port: int, options) -> dict:
        import requests

        url = f"http://127.0.0.1:{port}/accounts/login/"
        deadline = time.monotonic() + options["seconds"]
        lock = threading.Lock()
        counter = iter(range(10**9))
        timings: list[float] = []
        errors = [0]

        def client():
            while time.monotonic() < deadline:
                with lock:
                    phone = PHONE.format(next(counter) % options["takers"] + 1)
                session = requests.Session()
                try:
                    session.get(url, timeout=30)
                    start = time.perf_counter()
                    response = session.post(url, data={
                        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""), "username": phone,
                        "password": DEFAULT_PASSWORD}, allow_redirects=False, timeout=30)
                    took = time.perf_counter() - start
                    ok = response.status_code == 302 and "sessionid" in session.cookies
                except requests.RequestException:
                    ok, took = False, 0.0
                with lock:
                    if ok:
                        timings.append(took)
                    else:
                        errors[0] += 1

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(options["concurrency"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        if not timings:
            raise CommandError("no sign-in succeeded: is the demo seeded and the takers prepared?")
        ms = sorted(t * 1000 for t in timings)
        p99 = ms[min(len(ms) - 1, round(len(ms) * 0.99) - 1)]
        return figure("sign-in by phone (gunicorn)", timings, p99_ms=round(p99, 1),
                      sign_ins_per_s=round(len(timings) / elapsed, 1), errors=errors[0],
                      concurrency=options["concurrency"], gunicorn=f"{options['workers']}x{options['threads']}",
                      load_after=round(os.getloadavg()[0], 2))

    @staticmethod
    def _storm(options) -> list[dict]:
        """The load test without pre-made sessions: every taker signs in (by phone) on arrival, then opens the
        exam, starts an attempt and answers."""
        out = io.StringIO()
        os.environ["LOADTEST_USERNAME"] = PHONE
        try:
            call_command(
                "benchmark_load", users=options["users"], spawn_rate=options["users"] / options["window"],
                run_time=options["run_time"], ramp=options["window"], think=options["think"],
                questions=options["questions"], postgres=options["postgres"], redis=options["redis"],
                redis_db=options["redis_db"], workers=options["workers"], threads=options["threads"],
                cpu_quota=options["cpu_quota"], signed_in=False, json=True, stdout=out)
        finally:
            os.environ.pop("LOADTEST_USERNAME", None)
        result = json.loads(out.getvalue().strip().splitlines()[-1])
        return [{**item, "label": f"storm: {item['label']}"} for item in result["figures"]]
