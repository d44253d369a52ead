"""Time the training year at a county's scale (issue 14): the annual review of every work card and the duty
figures of the coverage dashboard, each next to a bare SQL statement doing the same counting.

On ``generate_scale_data``'s county (100,000 members, its three duties and external training):
- *review preview*: ``training.selectors.review_preview`` for the county's cards, last year;
- *review run*: ``training.services.review_run_decide``, the worker's code path called directly (the run is moved
  to "queued" as confirming does, without the queue), then a *second run*, which must change nothing (the
  certificates' and reviews' history rows are counted before and after);
- *duty figures computed*: ``dashboard.selectors.duty_figures_compute`` (what the worker stores in the snapshot)
  and *served*: the county's duty page through Django's test client reading the snapshot.
The floors count the same thing in one SQL statement each (PostgreSQL only): the people who pass the review, and
met / behind / overdue per duty; the command checks that they agree with the product's figures.

Everything the review writes is rolled back at the end (one transaction around the run), so the data set stays as
generated and the command can be run again."""

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, CertificateStatusChange, Program
from courses.models import CourseModulePage, Enrolment, RotationSession, SessionAttendance
from dashboard import selectors as dashboard_selectors
from dashboard.models import RegionSnapshot
from dashboard.services import DUTIES_KEY
from people.benchmarks import add_json_argument, emit, figure
from people.models import Committee, Membership, Region, User
from people.status import status_change
from training import selectors, services
from training.models import AnnualReviewStatusChange, ExternalTraining, ReviewRun, TrainingDuty

from .generate_scale_data import COUNTY_CODE, STAFF_USERNAME

PROGRAM_SLUG = "scale-mediator"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _windows(duties, *, on: datetime.date, year: int | None) -> tuple[str, list]:
    """SQL for ``(person_id, duty_id, start, due, required)``: each duty's period for each member (the CTE
    ``members``: person, earliest joining), as of ``on`` (``year`` None) or falling due in ``year``. The scale
    data's duties only (no who-fields, categories or modules)."""
    parts, params = [], []
    for duty in duties:
        if duty.kind == TrainingDuty.Kind.ANNUAL:
            start, due = (selectors.training_year(start_month=duty.year_starts_month, on=on) if year is None else
                          selectors.training_year_ending_in(start_month=duty.year_starts_month, year=year))
            if due >= duty.in_force_from:
                parts.append("SELECT person_id, %s, %s::date, %s::date, %s FROM members")
                params += [duty.pk, start, due, duty.hours]
        elif duty.kind == TrainingDuty.Kind.PREJOB:
            sql = "SELECT person_id, %s, joined, joined + %s::int, %s FROM members WHERE joined >= %s AND joined <= %s"
            params += [duty.pk, duty.within_days, duty.hours, duty.in_force_from, on]
            if year is not None:
                sql += " AND EXTRACT(YEAR FROM joined + %s::int) = %s"
                params += [duty.within_days, year]
            parts.append(sql)
        elif duty.triggered_on <= on:
            due = duty.triggered_on + datetime.timedelta(days=duty.within_days)
            if year is None or due.year == year:
                parts.append("SELECT person_id, %s, %s::date, %s::date, %s FROM members")
                params += [duty.pk, duty.triggered_on, due, duty.hours]
    return " UNION ALL ".join(parts) or "SELECT NULL, NULL, NULL::date, NULL::date, NULL WHERE false", params


def _hours_sql(members_sql: str, windows_sql: str) -> str:
    """Each member's hours in each of their duty windows: distinct modules completed online or at a session
    (credit hours once each) plus approved external training."""
    modules = RotationSession.modules.through
    return f"""
        WITH members AS ({members_sql}),
        windows (person_id, duty_id, start, due, required) AS ({windows_sql}),
        done AS (
            SELECT e.person_id, e.module_id, (e.completed_at AT TIME ZONE %s)::date AS on_day
            FROM {_table(Enrolment)} e WHERE e.completed_at IS NOT NULL
            UNION ALL
            SELECT a.person_id, sm.coursemodulepage_id, (s.starts_at AT TIME ZONE %s)::date
            FROM {_table(SessionAttendance)} a JOIN {_table(RotationSession)} s ON s.id = a.session_id
            JOIN {_table(modules)} sm ON sm.rotationsession_id = s.id),
        credited AS (
            SELECT w.person_id, w.duty_id, MAX(cm.credit_hours) AS hours
            FROM windows w JOIN done d ON d.person_id = w.person_id AND d.on_day BETWEEN w.start AND w.due
            JOIN {_table(CourseModulePage)} cm ON cm.page_ptr_id = d.module_id
            GROUP BY w.person_id, w.duty_id, d.module_id
            UNION ALL
            SELECT w.person_id, w.duty_id, x.hours FROM windows w JOIN {_table(ExternalTraining)} x
            ON x.person_id = w.person_id AND x.status = 'approved' AND x.completed_on BETWEEN w.start AND w.due),
        hours AS (
            SELECT w.person_id, w.duty_id, w.due, w.required, COALESCE(SUM(c.hours), 0) AS done
            FROM windows w LEFT JOIN credited c ON c.person_id = w.person_id AND c.duty_id = w.duty_id
            GROUP BY w.person_id, w.duty_id, w.due, w.required)"""  # noqa: S608  (names only; values are parameters)


def _members_sql(region: Region, on: datetime.date) -> tuple[str, list]:
    return (f"""SELECT m.person_id, MIN(m.joined_on) AS joined FROM {_table(Membership)} m
                JOIN {_table(Committee)} c ON c.id = m.committee_id JOIN {_table(Region)} r ON r.id = c.region_id
                WHERE r.path LIKE %s AND m.joined_on <= %s AND (m.left_on IS NULL OR m.left_on > %s)
                GROUP BY m.person_id""", [region.path + "%", on, on])  # noqa: S608


def duty_figures_floor(region: Region, duties, today: datetime.date) -> tuple[str, list]:
    """Per duty: people it applies to, met, behind, overdue (as of ``today``), in one statement."""
    members, members_params = _members_sql(region, today)
    windows, windows_params = _windows(duties, on=today, year=None)
    zone = timezone.get_current_timezone_name()
    sql = _hours_sql(members, windows) + """
        SELECT duty_id, COUNT(*), SUM(CASE WHEN done >= required THEN 1 ELSE 0 END),
               SUM(CASE WHEN done < required THEN 1 ELSE 0 END),
               SUM(CASE WHEN done < required AND due < %s THEN 1 ELSE 0 END)
        FROM hours GROUP BY duty_id ORDER BY duty_id"""  # noqa: S608
    return sql, [*members_params, *windows_params, zone, zone, today]


def review_floor(region: Region, program: Program, duties, year: int) -> tuple[str, list]:
    """How many of the region's current cards pass the ``year`` review and how many do not, in one statement."""
    year_end = datetime.date(year, 12, 31)
    members, members_params = _members_sql(region, year_end)
    windows, windows_params = _windows(duties, on=year_end, year=year)
    holders, holders_params = _members_sql(region, timezone.localdate())
    zone = timezone.get_current_timezone_name()
    sql = _hours_sql(members, windows) + f""",
        failing AS (SELECT DISTINCT person_id FROM hours WHERE done < required),
        holders AS ({holders})
        SELECT SUM(CASE WHEN f.person_id IS NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN f.person_id IS NULL THEN 0 ELSE 1 END)
        FROM {_table(Certificate)} ce LEFT JOIN failing f ON f.person_id = ce.holder_id
        WHERE ce.program_id = %s AND ce.status IN ('issued', 'suspended')
          AND ce.holder_id IN (SELECT person_id FROM holders)"""  # noqa: S608
    return sql, [*members_params, *windows_params, zone, zone, *holders_params, program.pk]


def _timed_sql(sql: str, params: list, runs: int) -> tuple[list[float], list]:
    timings, rows = [], []
    with connection.cursor() as cursor:
        for _run in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            timings.append(time.perf_counter() - started)
    return timings, rows


def _history_rows() -> tuple[int, int]:
    return CertificateStatusChange.objects.count(), AnnualReviewStatusChange.objects.count()


class Command(BaseCommand):
    help = "Time the county's annual review and duty figures (issue 14) next to bare SQL (run generate_scale_data)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="runs of each computation")
        parser.add_argument("--served-runs", type=int, default=20, help="requests of the served duty page")
        parser.add_argument("--county", default=COUNTY_CODE)
        parser.add_argument("--year", type=int, default=None, help="review year (default: last year)")
        add_json_argument(parser)

    def handle(self, *args, runs: int, served_runs: int, county: str, year: int | None, json: bool, **options):
        area = Region.objects.filter(code=county).first()
        program = Program.objects.filter(slug=PROGRAM_SLUG).first()
        staff = User.objects.filter(username=STAFF_USERNAME).first()
        duties = list(TrainingDuty.objects.filter(is_active=True, region__path__in=Region.path_prefixes(area.path))
                      if area else [])
        if area is None or program is None or staff is None or not duties:
            emit(self, "training", [{"label": "skipped: no scale data with duties (run generate_scale_data)",
                                     "n": 0, "median_ms": 0, "p95_ms": 0}], json)
            return
        postgres = connection.vendor == "postgresql"
        year = year or timezone.localdate().year - 1
        today = timezone.localdate()
        results = self._duty_figures(area, duties, today, runs, served_runs, postgres)
        results += self._review(area, program, staff, duties, year, runs, postgres)
        results.append({"label": "scale", "n": 0, "median_ms": 0, "p95_ms": 0, "database": connection.vendor,
                        "members": Membership.objects.active().filter(
                            committee__region__path__startswith=area.path).count(),
                        "cards": selectors.review_certificates(region=area, program=program).count(),
                        "duties": len(duties), "review_year": year})
        emit(self, "training", results, json)

    def _duty_figures(self, area, duties, today, runs, served_runs, postgres) -> list[dict]:
        timings = []
        for _run in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                found = dashboard_selectors.duty_figures_compute(region=area, today=today)
                timings.append(time.perf_counter() - started)
        floor, agrees = None, None
        if postgres:
            floor, rows = _timed_sql(*duty_figures_floor(area, duties, today), runs)
            product = {duty_id: found.total["cells"][i] for i, (duty_id, _name, _kind) in enumerate(found.duties)}
            agrees = {row[0]: [int(value or 0) for value in row[1:]] for row in rows} == product
        computed = figure("duty figures computed (county, worker)", timings, floor=floor, queries=len(captured),
                          agrees_with_floor=agrees, behind=found.lists["behind"]["count"],
                          red_flags=found.lists["red_flags"]["count"])
        client = Client(SERVER_NAME="localhost")
        client.force_login(User.objects.get(username=STAFF_USERNAME))
        url = reverse("coverage:duties", args=[area.code])
        client.get(url)  # a current snapshot
        reset_queries()  # a request empties the query log: counted from an empty one
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        served = []
        for _run in range(served_runs):
            started = time.perf_counter()
            response = client.get(url)
            served.append(time.perf_counter() - started)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
        snapshot = RegionSnapshot.objects.get(region=area, key=DUTIES_KEY)
        return [computed, figure("duty page served (county, snapshot)", served, queries=len(captured),
                                 snapshot_compute_ms=snapshot.compute_ms)]

    def _review(self, area, program, staff, duties, year, runs, postgres) -> list[dict]:
        results = []
        with transaction.atomic():
            run = services.review_run_start(region=area, program=program, year=year, started_by=staff)
            preview_timings = []
            for _run in range(runs):
                started = time.perf_counter()
                preview = selectors.review_preview(run=run)
                preview_timings.append(time.perf_counter() - started)
            floor, agrees = None, None
            if postgres:
                floor, rows = _timed_sql(*review_floor(area, program, duties, year), runs)
                agrees = [int(value or 0) for value in rows[0]] == [preview["passing_count"],
                                                                     preview["failing_count"]]
            results.append(figure("review preview (county)", preview_timings, floor=floor,
                                  agrees_with_floor=agrees, cards=preview["total"],
                                  passing=preview["passing_count"], failing=preview["failing_count"]))
            for label in ("review run (worker path)", "review run again (changes nothing)"):
                # What confirming does, without the queue: the worker's function is called here instead.
                status_change(run, machine=services.REVIEW_RUN_MACHINE, to=ReviewRun.Status.QUEUED, by=staff)
                before = _history_rows()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    run = services.review_run_decide(run=run)
                    seconds = time.perf_counter() - started
                written = [after - first for after, first in zip(_history_rows(), before, strict=True)]
                results.append(figure(label, [seconds], floor=floor, queries=len(captured),
                                      certificate_history_rows=written[0], review_history_rows=written[1],
                                      result=run.result,
                                      suspended_cards=Certificate.objects.filter(
                                          program=program, status=Certificate.Status.SUSPENDED).count()))
            transaction.set_rollback(True)  # the data set stays as generated
        return results
