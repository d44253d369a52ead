"""How fast the machine was, measured in the same run as a benchmark, so its figures can be compared across machines.

A benchmark's absolute milliseconds say as much about the machine (and whatever else ran on it) as about the code:
the load test's headline held on one two-core machine and not on a slower one. So every benchmark command prints,
next to its figures, what this module measures in the same run:

- ``python_loop_ms``: a fixed pure-Python workload, 5 million additions (the issue's yardstick: ~0.5 s on a quiet
  machine of this kind, 0.86 s on the slower one where the load test failed). It shows one core's speed as this
  process gets it, so it also shows a CPU cap below one CPU, or a machine busy with other work.
- the *bare request floor*: ``/health/`` (``people.views.health``: the whole middleware and one ``SELECT 1``, no
  session, no template) through the same gunicorn the load test uses, or through Django's test client for the
  in-process benchmarks: the least a request costs there, as a rate (requests/s with several clients) and a
  latency. Endpoints' server times are also given as a multiple of it (``×floor``), which carries over between
  machines far better than milliseconds.

``CpuCap`` makes a fast machine behave like a slow one: it puts this process, everything it starts afterwards and
any process handed to ``add`` (the PostgreSQL backends serving the run's database) in a cgroup limited to a number
of CPUs (cgroup v1's cpu controller where it is mounted, else cgroup v2's ``cpu.max``). Needs root."""

import contextlib
import http.client
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

LOOP_ADDITIONS = 5_000_000
# Written at module level, as one types it into ``python3 -c`` (names are globals: a dictionary lookup and store
# per addition), because that is how the issue's yardstick was taken; inside a function the same loop runs ~8x
# faster and the figures would not compare.
LOOP = compile(f"total = 0\nfor number in range({LOOP_ADDITIONS}):\n    total += number\n", "<calibration>", "exec")


# The slow two-core machine of issue #21 (where 2,000 takers did not hold): the loop took 0.86 s on each of its two
# cores, so all its cores together ran 2 / 0.86 = 2.33 loops a second. A machine (or a CPU cap) whose cores together
# run no more than that is at least as slow for the whole stack, whatever one core's speed.
SLOW_MACHINE_LOOPS_PER_S = round(2 / 0.86, 2)


def quota_as_slow_as_issue_21(loop_seconds: float) -> float:
    """The CPU quota under which this machine's cores together run no more loops a second than issue #21's slow
    machine: ``SLOW_MACHINE_LOOPS_PER_S`` × one loop's time on one core, rounded down to hundredths (a little slower
    rather than a little faster). Hosts of one kind differ, and one host's speed drifts, so a fixed quota proves
    nothing: 0.45 made one such machine as slow as issue #21's and another twice as slow."""
    return math.floor(SLOW_MACHINE_LOOPS_PER_S * loop_seconds * 100) / 100


def machine_loops_per_s(loop_ms: float, cpu_quota: float | None = None) -> float:
    """The loops a second all the CPUs this run may use could do together: ``min(cpus, quota) / loop time``.
    Under a quota below one CPU one core is throttled to the quota, which the loop's time already shows."""
    cpus = os.cpu_count() or 1
    usable = min(cpus, cpu_quota) if cpu_quota else cpus
    if cpu_quota and cpu_quota < 1:
        usable = 1  # the loop ran at the quota's pace already
    return round(usable / (loop_ms / 1000), 2)


def loop_figure(loop_seconds: list[float], cpu_quota: float | None) -> dict:
    loop = sorted(t * 1000 for t in loop_seconds)
    median = statistics.median(loop)
    per_s = machine_loops_per_s(median, cpu_quota)
    return {"label": "calibration: 5M additions (pure Python)", "n": len(loop), "median_ms": round(median, 1),
            "p95_ms": round(loop[-1], 1), "cpu_quota": cpu_quota or "none", "cpus": os.cpu_count(),
            "machine_loops_per_s": per_s, "slow_machine_loops_per_s": SLOW_MACHINE_LOOPS_PER_S,
            "as_slow_as_issue_21": per_s <= SLOW_MACHINE_LOOPS_PER_S, "load": round(os.getloadavg()[0], 2)}


def python_loop_seconds(runs: int = 3) -> list[float]:
    """The fixed workload, ``runs`` times: a pure-Python loop of 5 million additions."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        exec(LOOP, {})  # noqa: S102  (our own constant code)
        timings.append(time.perf_counter() - started)
    return timings


def _percentile(sorted_ms: list[float], share: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(len(sorted_ms) * share) - 1))]


def bare_requests(host: str, port: int, *, path: str = "/health/", seconds: float = 3.0,
                  concurrency: int = 8) -> dict:
    """The bare request floor through a server: ``concurrency`` keep-alive clients asking ``path`` as fast as it
    answers for ``seconds``. Returns the rate served and the latency one request had (client side, so it includes
    the wait for a free worker thread: with more clients than the server's threads the rate is what counts)."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    timings: list[float] = []
    errors = [0]

    def client():
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                failed += 1
        connection.close()
        with lock:
            timings.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ms = sorted(t * 1000 for t in timings) or [0.0]
    return {"n": len(timings), "rps": round(len(timings) / elapsed, 1), "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(_percentile(ms, 0.95), 2), "errors": errors[0], "concurrency": concurrency}


def server_calibration(host: str, port: int, *, cpu_quota: float | None = None, loop: dict | None = None,
                       ) -> list[dict]:
    """The calibration of a run against a server (the load test's gunicorn): the loop (or ``loop``, taken before
    the stack started, so that under a CPU cap it does not share the quota with the stack's start-up), then the
    bare floor twice, one client at a time (the latency of one request) and eight at once (the rate the machine
    serves)."""
    loop = loop or loop_figure(python_loop_seconds(), cpu_quota)
    bare_requests(host, port, seconds=0.5, concurrency=2)  # warm every worker's connection and code
    single = bare_requests(host, port, seconds=2.0, concurrency=1)
    many = bare_requests(host, port, seconds=3.0, concurrency=8)
    return [
        loop,
        {"label": "calibration: bare request (gunicorn + DB), 1 client", "n": single["n"],
         "median_ms": single["median_ms"], "p95_ms": single["p95_ms"], "rps": single["rps"],
         "errors": single["errors"]},
        {"label": "calibration: bare request (gunicorn + DB), 8 clients", "n": many["n"],
         "median_ms": many["median_ms"], "p95_ms": many["p95_ms"], "rps": many["rps"], "errors": many["errors"]},
    ]


def in_process_calibration(runs: int = 50) -> list[dict]:
    """The calibration of an in-process benchmark (no server): the loop, and ``/health/`` through Django's test
    client (the same middleware and database round trip, without gunicorn and the network)."""
    from django.conf import settings
    from django.test import Client

    loop = loop_figure(python_loop_seconds(), CpuCap.active.cpus if CpuCap.active else None)
    host = next((h for h in settings.ALLOWED_HOSTS if not h.startswith(("*", "."))), "localhost")
    client = Client(SERVER_NAME=host)
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client.get("/health/", secure=secure)  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get("/health/", secure=secure)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return [
        loop,
        {"label": "calibration: bare request (in-process + DB)", "n": len(timings),
         "median_ms": round(statistics.median(timings), 3), "p95_ms": round(_percentile(timings, 0.95), 3),
         "rps": round(1000 / statistics.median(timings), 1)},
    ]


class LoopSampler:
    """The loop's pace *during* a run: a host's cores drift (one host of this kind ran the loop in 0.42 s and, minutes
    later, in 0.95 s), so a loop timed before a run can describe another machine than the one the run got. Every
    ``interval`` seconds a child process runs a fifth of the loop (1 million additions, ~0.1–0.2 s of one core) and
    reports the CPU time it took, ×5: CPU time, not wall time, so the stack's load does not slow the sample, only
    the core's own speed does (under a cap too: the quota in force is kept with each sample and applied in
    ``figure``).

    With ``follow_issue_21`` and a ``cap``, each sample also re-sets the cap to the quota that makes the cores' current
    pace (the median of the last three samples) issue #21's machine's: the run stays as slow as that machine while
    the host drifts, instead of keeping the quota chosen from the loop before it.
    ``with LoopSampler(…) as sampler: …`` then ``sampler.figure()``."""

    SCRIPT = (f"import time\ncode = compile('total = 0\\nfor number in range({LOOP_ADDITIONS // 5}):\\n"
              "    total += number\\n', '<calibration>', 'exec')\nstarted = time.process_time()\nexec(code, {})\n"
              "print(time.process_time() - started)")

    def __init__(self, interval: float = 10.0, *, cap: "CpuCap | None" = None, follow_issue_21: bool = False):
        self.interval = interval
        self.cap = cap
        self.follow_issue_21 = follow_issue_21 and cap is not None
        self.seconds: list[float] = []
        self.quotas: list[float | None] = []  # the cap's CPUs while each sample ran (None: no cap)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def sample(self) -> float:
        out = subprocess.run([sys.executable, "-c", self.SCRIPT], capture_output=True, text=True,  # noqa: S603
                             check=True, timeout=60).stdout  # (our own interpreter and our own constant script)
        return float(out) * 5

    def take_one(self) -> None:
        quota = self.cap.cpus if self.cap else None
        self.seconds.append(self.sample())
        self.quotas.append(quota)
        if self.follow_issue_21:
            self.cap.set_cpus(quota_as_slow_as_issue_21(statistics.median(self.seconds[-3:])))

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(Exception):  # a sample lost (the machine too busy to start one) is only less data
                self.take_one()

    def __enter__(self) -> "LoopSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def figure(self) -> dict | None:
        """The samples as a calibration figure: the loop's median, fastest and slowest CPU time, the quotas in
        force, and the loops a second all the CPUs the run could use did (``min(cpus, quota) / loop`` per sample,
        the median of those)."""
        if not self.seconds:
            return None
        cpus = os.cpu_count() or 1
        loop = sorted(t * 1000 for t in self.seconds)
        per_s = statistics.median(min(cpus, quota or cpus) / t for t, quota in zip(self.seconds, self.quotas,
                                                                                  strict=True))
        quotas = sorted({quota for quota in self.quotas if quota})
        in_force = "none" if not quotas else (
            f"{quotas[0]}–{quotas[-1]}" if len(quotas) > 1 else quotas[0])
        return {"label": "calibration: 5M additions during the run (CPU time)", "n": len(loop),
                "median_ms": round(statistics.median(loop), 1), "p95_ms": round(_percentile(loop, 0.95), 1),
                "fastest_ms": round(loop[0], 1), "slowest_ms": round(loop[-1], 1), "cpu_quota": in_force,
                "quota_follows_issue_21": self.follow_issue_21, "machine_loops_per_s": round(per_s, 2),
                "slow_machine_loops_per_s": SLOW_MACHINE_LOOPS_PER_S,
                "as_slow_as_issue_21": round(per_s, 2) <= SLOW_MACHINE_LOOPS_PER_S}


def is_calibration(item: dict) -> bool:
    return item["label"].startswith("calibration: ")


class CpuCap:
    """Limit this process, what it starts from now on, and processes given to ``add`` to ``cpus`` CPUs.

    cgroup v1 (``/sys/fs/cgroup/cpu``, ``cpu.cfs_quota_us`` against ``cpu.cfs_period_us``) where that controller is
    mounted, else cgroup v2 (``cpu.max``). On leaving, every process still in the group goes back to the group this
    process came from and the group is removed. ``cpus`` below 1 also slows a single thread (the calibration loop
    shows it); above 1 it limits what all processes together get."""

    active: "CpuCap | None" = None  # the cap this process is in, if any (a command run by another joins it)
    V1 = Path("/sys/fs/cgroup/cpu")
    V2 = Path("/sys/fs/cgroup")
    # The quota is granted per 10 ms, not per the kernel's default 100 ms: with 100 ms the capped processes spend a
    # period's quota in a burst on both cores and then all stop for the rest of it (~55 ms at 0.9 CPU), a stall a
    # slower machine never has and which every request in flight pays at once. Short periods spread the same CPU
    # time evenly, as a machine with slower cores does (docs/benchmarks.md has a run with each).
    PERIOD_US = 10_000

    def __init__(self, cpus: float, name: str | None = None):
        if cpus <= 0:
            raise ValueError("the CPU quota must be positive")
        self.cpus = cpus
        self.name = name or f"mediator-academy-load-{os.getpid()}"
        self.group: Path | None = None
        self.home: Path | None = None

    def __enter__(self) -> "CpuCap":
        if (self.V1 / "cpu.cfs_quota_us").exists():
            self.home = self._own_group("cpu", self.V1)
            self.group = self.V1 / self.name
            self.group.mkdir(exist_ok=True)
            (self.group / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
            (self.group / "cpu.cfs_quota_us").write_text(str(int(self.cpus * self.PERIOD_US)))
            # The highest weight: the quota, not whatever else runs on the machine, limits the capped stack (on a
            # shared machine it would otherwise get a busy machine's leftovers, and the figures would mean less).
            (self.group / "cpu.shares").write_text("262144")
        elif self._v2_has_cpu():
            self.home = self._own_group("", self.V2)
            (self.V2 / "cgroup.subtree_control").write_text("+cpu")
            self.group = self.V2 / self.name
            self.group.mkdir(exist_ok=True)
            (self.group / "cpu.max").write_text(f"{int(self.cpus * self.PERIOD_US)} {self.PERIOD_US}")
            (self.group / "cpu.weight").write_text("10000")  # as cpu.shares above
        else:
            raise OSError("no cgroup cpu controller here (neither /sys/fs/cgroup/cpu nor cgroup v2 with cpu)")
        self.add(os.getpid())
        CpuCap.active = self
        return self

    def set_cpus(self, cpus: float) -> None:
        """Change the quota of the running group (``LoopSampler``'s following of issue #21's pace)."""
        if cpus <= 0 or self.group is None:
            return
        self.cpus = cpus
        if (self.group / "cpu.cfs_quota_us").exists():
            (self.group / "cpu.cfs_quota_us").write_text(str(int(cpus * self.PERIOD_US)))
        else:
            (self.group / "cpu.max").write_text(f"{int(cpus * self.PERIOD_US)} {self.PERIOD_US}")

    def _v2_has_cpu(self) -> bool:
        controllers = self.V2 / "cgroup.controllers"
        return controllers.exists() and "cpu" in controllers.read_text().split()

    @staticmethod
    def _own_group(controller: str, root: Path) -> Path:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _number, controllers, path = line.split(":", 2)
            if controllers.split(",") == [controller] or (not controller and controllers == ""):
                return root / path.lstrip("/")
        return root

    def add(self, pid: int) -> bool:
        """Move a process (all its threads) into the group; False when it is gone."""
        try:
            (self.group / "cgroup.procs").write_text(str(pid))
            return True
        except (ProcessLookupError, OSError):
            return False

    def pids(self) -> list[int]:
        return [int(pid) for pid in (self.group / "cgroup.procs").read_text().split()]

    def throttling(self) -> tuple[int, int] | None:
        """(scheduling periods, periods in which the group was throttled) so far, from ``cpu.stat``."""
        try:
            stat = dict(line.split() for line in (self.group / "cpu.stat").read_text().splitlines())
        except (OSError, ValueError):
            return None
        if "nr_periods" not in stat:
            return None
        return int(stat["nr_periods"]), int(stat["nr_throttled"])

    def __exit__(self, *exc) -> None:
        if self.group is None:
            return
        CpuCap.active = None
        home = self.home if self.home and (self.home / "cgroup.procs").exists() else self.group.parent
        for _round in range(5):  # processes may still be starting or ending
            remaining = self.pids()
            if not remaining:
                break
            for pid in remaining:
                with contextlib.suppress(ProcessLookupError, OSError):
                    (home / "cgroup.procs").write_text(str(pid))
            time.sleep(0.1)
        with contextlib.suppress(OSError):
            self.group.rmdir()


# --- Where the CPU went: seconds of CPU by kind of process over a run, read from /proc.
# A load test's latency says the machine was saturated, not by what: the app server, PostgreSQL, the load
# generator itself (it shares the cores and, under --cpu-quota, the quota) or the worker. Processes are told apart
# by their command line; "other" is everything else on the machine (another engineer's tests show up there).
PROCESS_KINDS = (("gunicorn", "gunicorn"), ("celery", "celery"), ("locust", "locust"), ("postgres", "postgres"),
                 ("redis-server", "redis"))


def _process_kind(pid: str) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    return next((label for needle, label in PROCESS_KINDS if needle in command), "other")


def cpu_ticks_by_process() -> dict[str, tuple[str, int]]:
    """Every process's CPU so far (user + system, clock ticks) with its kind: ``{pid: (kind, ticks)}``."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[entry.name] = (_process_kind(entry.name), int(fields[11]) + int(fields[12]))
    return ticks


class CpuWatch:
    """Reads every process's CPU every ``interval`` seconds while a run lasts (a process that ends during the run,
    such as the load generator, keeps its last reading): ``with CpuWatch() as watch: …``, then
    ``cpu_split(watch.before, watch.last, …)``."""

    def __init__(self, interval: float = 2.0):
        self.interval = interval
        self.before: dict[str, tuple[str, int]] = {}
        self.last: dict[str, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _read(self) -> dict[str, tuple[str, int]]:
        """Every process's CPU, or under a CPU cap only the capped stack's (the rest of the machine is not the
        run's: on a shared machine it would hide where the stack's own CPU went)."""
        ticks = cpu_ticks_by_process()
        if CpuCap.active is not None:
            ours = {str(pid) for pid in CpuCap.active.pids()}
            ticks = {pid: value for pid, value in ticks.items() if pid in ours}
        return ticks

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.last.update(self._read())

    def __enter__(self) -> "CpuWatch":
        self.before = self._read()
        self.throttled_before = CpuCap.active.throttling() if CpuCap.active else None
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.last.update(self._read())
        self.throttled_after = CpuCap.active.throttling() if CpuCap.active else None

    def throttled_share(self) -> float | None:
        """The share of the cap's scheduling periods in which the stack used its whole quota: high means the
        quota (not other work on the machine) limited it."""
        if not self.throttled_before or not self.throttled_after:
            return None
        periods = self.throttled_after[0] - self.throttled_before[0]
        return round((self.throttled_after[1] - self.throttled_before[1]) / periods, 2) if periods else None


def cpu_split(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]], *, seconds: float,
              requests: int) -> dict:
    """CPU seconds by kind between two readings (a process that ended in between counts up to the last reading
    of it; see ``CpuWatch``), as a figure: its median is all CPU ms per request; its notes say each kind's
    (``gunicorn_ms``, ``gunicorn_share``, …) and how many CPUs were busy on average."""
    per_kind: dict[str, float] = {}
    hertz = os.sysconf("SC_CLK_TCK")
    for pid, (kind, ticks) in after.items():
        used = ticks - before.get(pid, (kind, 0))[1]
        if used > 0:
            per_kind[kind] = per_kind.get(kind, 0.0) + used / hertz
    total = sum(per_kind.values()) or 1.0
    notes = {"cpus_busy": round(total / max(seconds, 0.001), 2)}
    for kind, used in sorted(per_kind.items(), key=lambda pair: -pair[1]):
        notes[f"{kind}_ms"] = round(used * 1000 / max(requests, 1), 2)
        notes[f"{kind}_share"] = f"{used / total:.0%}"
    return {"label": "cpu: where it went (whole run)", "n": requests,
            "median_ms": round(total * 1000 / max(requests, 1), 2), "p95_ms": 0, **notes}
