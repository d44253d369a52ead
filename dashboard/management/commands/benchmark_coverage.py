"""Time the coverage dashboard's county and township pages against the bare SQL they run.

For each page: N requests through Django's test client (server time: URL routing, auth, selectors, template),
median and 95th percentile; then the very SQL statements one request ran (captured), executed directly N times;
and the ratio of the two. Run ``generate_scale_data`` first; the pages are opened as its bureau user."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import Region, User

from .generate_scale_data import COUNTY_CODE, STAFF_USERNAME


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Print county and township coverage page timings (median, p95) next to their bare SQL."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--county", default=COUNTY_CODE, help="Division code of the county to open.")
        parser.add_argument("--username", default=STAFF_USERNAME)

    def handle(self, *args, runs: int, county: str, username: str, **options):
        area = Region.objects.filter(code=county).first()
        user = User.objects.filter(username=username).first()
        if area is None or user is None:
            raise CommandError("Run generate_scale_data first (or pass --county and --username).")
        township = area.get_children().first()
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        self.stdout.write(f"{connection.vendor}, {runs} runs each; times in ms")
        self.stdout.write(f"{'page':<10}{'queries':>8}{'median':>10}{'p95':>10}{'SQL median':>12}{'SQL p95':>10}"
                          f"{'ratio':>8}")
        for label, region in (("county", area), ("township", township)):
            url = reverse("coverage:region", args=[region.code])
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            # Reads only (server-side cursor bookkeeping such as DECLARE/CLOSE is not SQL the page needs).
            statements = [query["sql"] for query in captured.captured_queries
                          if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
            page = []
            for _run in range(runs):
                started = time.perf_counter()
                client.get(url)
                page.append(1000 * (time.perf_counter() - started))
            bare = []
            with connection.cursor() as cursor:
                for _run in range(runs):
                    started = time.perf_counter()
                    for sql in statements:
                        cursor.execute(sql)
                        cursor.fetchall()
                    bare.append(1000 * (time.perf_counter() - started))
            page_median, page_p95 = _summary(page)
            sql_median, sql_p95 = _summary(bare)
            self.stdout.write(f"{label:<10}{len(statements):>8}{page_median:>10.1f}{page_p95:>10.1f}"
                              f"{sql_median:>12.1f}{sql_p95:>10.1f}{page_median / sql_median:>8.2f}")
