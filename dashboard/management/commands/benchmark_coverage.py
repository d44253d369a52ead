"""Time the coverage dashboard's county and township pages against the bare SQL they run.

Each page is timed on both of its paths (see dashboard/services.py): *served*, reading the region's figures from
their snapshot (what bureau staff get on every view but the first of the day, and while the worker updates them),
and *computed*, working the figures out from the records (a first view, or a small region after a change). For each:
N requests through Django's test client (server time: URL routing, auth, selectors, template), median and 95th
percentile; then the very read statements one request ran (captured), executed directly N times — the floor — and
the ratio of the two. Run ``generate_scale_data`` first; the pages are opened as its bureau user.

``--province`` opens the province of ``generate_scale_data --province`` and its first city instead, adds the
computation as the worker does it (``region_snapshot_refresh`` inside ``heavy_reads``: on the replica when one is
configured) and times the red-flag download of the province (streamed), with the peak memory it took."""

import time
import tracemalloc

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.models import RegionSnapshot
from dashboard.services import region_snapshot_refresh
from people.benchmarks import add_json_argument, emit, figure
from people.models import Region, User
from people.replica import heavy_reads, read_alias

from .generate_scale_data import COUNTY_CODE, PROVINCE_CODE, PROVINCE_STAFF_USERNAME, STAFF_USERNAME


def _reads(captured) -> list[str]:
    """The read statements a request ran (not session writes, snapshot upserts or cursor bookkeeping)."""
    return [query["sql"] for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]


def _bare(statements: list[str], runs: int) -> list[float]:
    timings = []
    with connection.cursor() as cursor:
        for _run in range(runs):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return timings


class Command(BaseCommand):
    help = "Print county and township coverage page timings (served and computed) next to their bare SQL."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="requests per served page")
        parser.add_argument("--compute-runs", type=int, default=5, help="requests per computed page")
        parser.add_argument("--county", default=COUNTY_CODE, help="Division code of the county to open.")
        parser.add_argument("--username", default=STAFF_USERNAME)
        parser.add_argument("--province", action="store_true",
                            help="the province of generate_scale_data --province and its first city")
        add_json_argument(parser)

    def handle(self, *args, runs: int, compute_runs: int, county: str, username: str, json: bool, province: bool,
               **options):
        if province:
            county, username = PROVINCE_CODE, PROVINCE_STAFF_USERNAME
        area = Region.objects.filter(code=county).first()
        user = User.objects.filter(username=username).first()
        if area is None or user is None:
            emit(self, "coverage", [{"label": "skipped: no scale data (run generate_scale_data)", "n": 0,
                                     "median_ms": 0, "p95_ms": 0}], json)
            return
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        members = area.get_descendants().count()
        results = []
        labels = ("province", "city") if province else ("county", "township")
        for label, region in zip(labels, (area, area.get_children().order_by("path").first()), strict=True):
            url = reverse("coverage:region", args=[region.code])
            results.append(self._computed(client, url, region, label, compute_runs))
            if province:
                results.append(self._worker(client, url, region, label, compute_runs))
            results.append(self._served(client, url, label, runs))
        if province:
            results.append(self._flags_download(client, area))
        results.append({"label": "scale", "n": 0, "median_ms": 0, "p95_ms": 0, "regions": members,
                        "database": connection.vendor})
        emit(self, "coverage-province" if province else "coverage", results, json)

    def _timed(self, client, url: str, runs: int, before=lambda: None) -> list[float]:
        timings = []
        for _run in range(runs):
            before()
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
        return timings

    def _computed(self, client, url: str, region: Region, label: str, runs: int) -> dict:
        def forget():
            RegionSnapshot.objects.filter(region=region).delete()

        forget()
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements, queries = _reads(captured), len(captured)  # read now: every request empties the query log
        page = self._timed(client, url, runs, before=forget)
        return figure(f"{label} page, figures computed", page, floor=_bare(statements, runs), queries=queries)

    def _worker(self, client, url: str, region: Region, label: str, runs: int) -> dict:
        """The computation as the worker's ``region_snapshot_refresh`` task runs it (reads on the replica when
        configured; the snapshot written to the primary)."""
        client.get(url)  # a snapshot to refresh
        snapshot = RegionSnapshot.objects.filter(region=region).select_related("region").first()
        timings = []
        for _run in range(runs):
            started = time.perf_counter()
            with heavy_reads():
                alias = read_alias()
                region_snapshot_refresh(snapshot=snapshot)
            timings.append(time.perf_counter() - started)
        return figure(f"{label} figures computed as the worker does", timings, database=alias)

    def _flags_download(self, client, area: Region) -> dict:
        """The longest red-flag list of the region as a CSV download, streamed: its time, then (a second run, as
        tracemalloc slows Python down) the peak of Python's memory while it was sent."""
        url = reverse("coverage:flags", args=[area.code])

        def download() -> tuple[int, int, bool]:
            response = client.get(url, {"export": "uncertified", "format": "csv"})
            size = lines = 0
            for chunk in response.streaming_content:
                size, lines = size + len(chunk), lines + chunk.count(b"\n")
            return size, lines - 1, response.streaming

        started = time.perf_counter()
        size, rows, streamed = download()
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        download()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return figure("red flags download (uncertified members, CSV)", [elapsed], rows=rows,
                      megabytes=round(size / 2**20, 1), peak_python_megabytes=round(peak / 2**20, 1),
                      streamed=streamed)

    def _served(self, client, url: str, label: str, runs: int) -> dict:
        client.get(url)  # a current snapshot
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements, queries = _reads(captured), len(captured)
        page = self._timed(client, url, runs)
        return figure(f"{label} page, figures served (target ≤ 300 ms)", page, floor=_bare(statements, runs),
                      queries=queries)
