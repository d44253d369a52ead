"""Build the data set the coverage dashboard is measured on, in a county of its own so the demo stays as it is.

Defaults match issue 6: 100,000 members on 2,000 committees (40 townships × 50 villages), 200,000 certificates
(with their status history), 1,000,000 exam attempts, plus lesson completions, enrolments and rotation-session
attendance for the training figures, and the county's training duties with approved external training (issue 14).
``--scale 0.1`` builds a tenth of it. Rows go in with PostgreSQL's COPY (``executemany`` on SQLite).
It refuses to run twice: the county's division code marks the data set."""

import datetime
import random
import time
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import Attempt, Quiz
from certificates.models import Certificate, CertificateStatusChange, Program, new_verification_code
from courses.models import CourseModulePage, Enrolment, LessonCompletion, LessonPage, RotationSession, SessionAttendance
from people import services
from people.models import Committee, Grade, Membership, Region, User
from people.roles import StaffRole
from training.models import ExternalTraining, TrainingDuty

COUNTY_CODE = "990100"
COUNTY_NAME = "规模测试旗"
STAFF_USERNAME = "scale-bureau"
TOWNSHIPS = 40
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows fast: COPY on PostgreSQL, executemany elsewhere. Values must already be database-ready."""
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            batch: list[tuple] = []
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608,E501
            for row in rows:
                batch.append(row)
                if len(batch) == 5000:
                    cursor.executemany(sql, batch)
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def _status_bits(count: int, rng: random.Random) -> Iterable[tuple[int, int]]:
    """(status list, index) for ``count`` certificates: random distinct indexes, each list filled to half, as
    ``certificates.services`` allocates them, in lists of their own after those already in use."""
    half = settings.CREDENTIAL_STATUS_LIST_BITS // 2
    # Read now, not when the generator first runs: that is inside the COPY, and psycopg's connection waits for the
    # COPY to end before it runs another query (the generation hung there).
    first = (Certificate.objects.aggregate(last=Max("status_list"))["last"] or 0) + 1
    return ((list_number, index) for list_number, start in enumerate(range(0, count, half), start=first)
            for index in rng.sample(range(settings.CREDENTIAL_STATUS_LIST_BITS), min(half, count - start)))


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


class Command(BaseCommand):
    help = "Generate the coverage dashboard's scale data set (a separate county; refuses to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full data set (e.g. 0.1).")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale: float, seed: int, **options):
        if Region.objects.filter(code=COUNTY_CODE).exists():
            raise CommandError(f"The scale data set ({COUNTY_NAME}, {COUNTY_CODE}) exists already.")
        rng = random.Random(seed)  # noqa: S311  (made-up test data, reproducible)
        members, committees_n = int(100_000 * scale), max(TOWNSHIPS, int(2_000 * scale))
        certificates_n, attempts_n = int(200_000 * scale), int(1_000_000 * scale)
        started = time.monotonic()
        with transaction.atomic():
            county, villages = self._regions(committees_n)
            committees = self._committees(villages, rng)
            people = self._people(members, rng)
            self._memberships(people, committees, rng)
            self._certificates(people, certificates_n, county, rng)
            self._training(people, attempts_n, county, rng)
            staff = User.objects.create_user(username=STAFF_USERNAME, name="规模测试干部", password=None)
            self._duties(people, county, staff, rng)
            services.staff_role_grant(user=staff, role=StaffRole.BUREAU_STAFF, jurisdiction=county)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(f"{COUNTY_NAME}: {len(committees)} committees, {len(people)} members, {certificates_n} "
                          f"certificates, {attempts_n} attempts in {time.monotonic() - started:.1f} s. "
                          f"Bureau login for the benchmark: {STAFF_USERNAME}.")

    def _regions(self, committees_n: int) -> tuple[Region, list[Region]]:
        county = services.region_add(parent=None, name=COUNTY_NAME, code=COUNTY_CODE, level=Region.Level.COUNTY)
        per_township = committees_n // TOWNSHIPS
        townships = [Region(name=f"规模{t + 1}镇", code=f"{COUNTY_CODE}{t + 1:03d}", level=Region.Level.TOWNSHIP,
                            depth=county.depth + 1, numchild=per_township,
                            path=Region._get_path(county.path, county.depth + 1, t + 1))
                     for t in range(TOWNSHIPS)]
        Region.objects.bulk_create(townships, batch_size=1000)
        villages = [Region(name=f"{township.name}{v + 1}村", code=f"{township.code}{v + 1:03d}",
                           level=Region.Level.VILLAGE, depth=township.depth + 1, numchild=0,
                           path=Region._get_path(township.path, township.depth + 1, v + 1))
                    for township in townships for v in range(per_township)]
        Region.objects.bulk_create(villages, batch_size=2000)
        Region.objects.filter(pk=county.pk).update(numchild=TOWNSHIPS)
        return county, list(Region.objects.filter(path__startswith=county.path, depth=county.depth + 2))

    def _committees(self, villages: list[Region], rng: random.Random) -> list[int]:
        Committee.objects.bulk_create([Committee(region=v, name=f"{v.name}人民调解委员会", kind=Committee.Kind.VILLAGE)
                                       for v in villages], batch_size=2000)
        return list(Committee.objects.filter(region__in=villages).values_list("pk", flat=True))

    def _people(self, members: int, rng: random.Random) -> list[int]:
        genders = [User.Gender.FEMALE, User.Gender.MALE, User.Gender.MALE]
        joined = _dt(timezone.now())
        copy_rows(User, ["password", "is_superuser", "username", "email", "is_staff", "is_active", "date_joined",
                         "name", "gender", "phone", "national_id_hash", "national_id_masked"],
                  (("!", False, f"scale-{i}", "", False, True, joined,
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), rng.choice(genders), "", "", "")
                   for i in range(members)))
        return list(User.objects.filter(username__startswith="scale-", jurisdiction=None)
                    .exclude(username=STAFF_USERNAME).order_by("pk").values_list("pk", flat=True))

    def _memberships(self, people: list[int], committees: list[int], rng: random.Random) -> None:
        grades = list(Grade.objects.values_list("pk", flat=True)) or [None]
        today = timezone.localdate()
        copy_rows(Membership, ["person_id", "committee_id", "role", "employment", "position", "grade_id",
                               "joined_on", "left_on"],
                  ((person, committees[i % len(committees)], "mediator" if rng.random() < 0.7 else "informant",
                    "full_time" if rng.random() < 0.13 else "part_time", "", rng.choice(grades),
                    _d(today - datetime.timedelta(days=rng.randrange(30, 3000))), None)
                   for i, person in enumerate(people)))

    def _certificates(self, people: list[int], count: int, county: Region, rng: random.Random) -> None:
        program, _created = Program.objects.get_or_create(
            slug="scale-mediator", defaults={"name": "规模测试调解员证书", "validity_months": 36})
        today = timezone.localdate()
        # Each certified person gets a current certificate; some also an older one it superseded or that expired.
        holders = rng.sample(people, min(len(people), count * 2 // 3))
        rows, changes = [], []
        for index, holder in enumerate(holders):
            issued = today - datetime.timedelta(days=rng.randrange(0, 1400))
            expires = issued + datetime.timedelta(days=1095)
            if len(rows) < count - (len(holders) - index) and rng.random() < 0.6:
                old_issued = issued - datetime.timedelta(days=1095)
                rows.append((holder, old_issued, old_issued + datetime.timedelta(days=1095), "superseded"))
            rows.append((holder, issued, expires, "issued" if expires >= today else "expired"))
        moment = datetime.time(9)
        zone = timezone.get_current_timezone()
        copy_rows(Certificate, ["holder_id", "program_id", "issuing_region_id", "issuer_name", "serial_number",
                                "verification_code", "issued_on", "expires_on", "status", "pdf", "created_at",
                                "subject_id", "status_list", "status_index"],
                  ((holder, program.pk, county.pk, "规模测试旗司法局", f"SCALE-{n:07d}", new_verification_code(),
                    _d(issued), _d(expires), status, "", _dt(timezone.now()), uuid.UUID(int=rng.getrandbits(128)).hex,
                    *bit)
                   for n, ((holder, issued, expires, status), bit) in enumerate(
                       zip(rows, _status_bits(len(rows), rng), strict=True))))
        ids = Certificate.objects.filter(serial_number__startswith="SCALE-").order_by("serial_number").values_list(
            "pk", flat=True)
        for pk, (_holder, issued, expires, status) in zip(ids, rows, strict=True):
            changes.append((pk, "", "issued", _dt(datetime.datetime.combine(issued, moment, zone)), ""))
            if status != "issued":
                ended = expires if status == "expired" else expires - datetime.timedelta(days=30)
                changes.append((pk, "issued", status, _dt(datetime.datetime.combine(ended, moment, zone)), ""))
        copy_rows(CertificateStatusChange, ["certificate_id", "old_status", "new_status", "changed_at", "reason"],
                  changes)

    def _duties(self, people: list[int], county: Region, staff: User, rng: random.Random) -> None:
        """The county's training year (issue 14): 20 h a year (in force since 2020), 10 h of pre-job training
        within 90 days for those who joined this last year, and a new law to be trained on within 90 days of
        its publication 120 days ago; and approved external training (20 h) last year for two in three, this
        year for one in two, so every duty has people who met it, are behind and are overdue."""
        today = timezone.localdate()
        TrainingDuty.objects.bulk_create([
            TrainingDuty(region=county, name="规模测试年度培训", kind=TrainingDuty.Kind.ANNUAL, hours=20,
                         in_force_from=datetime.date(2020, 1, 1)),
            TrainingDuty(region=county, name="规模测试岗前培训", kind=TrainingDuty.Kind.PREJOB, hours=10,
                         within_days=90, in_force_from=today - datetime.timedelta(days=365)),
            TrainingDuty(region=county, name="规模测试新法培训", kind=TrainingDuty.Kind.TRIGGERED, hours=2,
                         within_days=90, triggered_on=today - datetime.timedelta(days=120),
                         in_force_from=datetime.date(2020, 1, 1))])
        this_year = (today - datetime.date(today.year, 1, 1)).days + 1

        def records():
            for person in people:
                if rng.random() < 2 / 3:
                    yield person, datetime.date(today.year - 1, 1, 1) + datetime.timedelta(days=rng.randrange(365))
                if rng.random() < 1 / 2:
                    yield person, datetime.date(today.year, 1, 1) + datetime.timedelta(days=rng.randrange(this_year))

        now = _dt(timezone.now())
        copy_rows(ExternalTraining, ["person_id", "title", "category_id", "hours", "completed_on", "document",
                                     "status", "recorded_by_id", "created_at"],
                  ((person, "规模测试外部培训", None, Decimal(20), _d(on), "external-training/scale.pdf",
                    ExternalTraining.Status.APPROVED.value, staff.pk, now) for person, on in records()))

    def _training(self, people: list[int], attempts_n: int, county: Region, rng: random.Random) -> None:
        quiz = Quiz.objects.create(title="规模测试资格考试", kind=Quiz.Kind.CERTIFICATION)
        now = timezone.now()
        per_person = max(1, attempts_n // max(len(people), 1))
        takers = people[: attempts_n // per_person]

        def attempts():
            for person in takers:
                for number in range(1, per_person + 1):
                    when = now - datetime.timedelta(days=rng.randrange(1, 720))
                    percent = rng.randrange(30, 100)
                    yield (quiz.pk, person, number, "completed", _dt(when), None, _dt(when), False, 1, percent, 100,
                           percent, percent >= 60, None)

        copy_rows(Attempt, ["quiz_id", "user_id", "number", "status", "started_at", "deadline", "submitted_at",
                            "closed_by_timeout", "last_position", "score", "max_score", "percent", "passed",
                            "pass_announced_at"], attempts())
        modules = list(CourseModulePage.objects.live().order_by("path")[:6])
        lessons = list(LessonPage.objects.live().order_by("path").values_list("pk", flat=True)[:6])
        if not modules:
            return
        learners = rng.sample(people, len(people) // 2)
        copy_rows(Enrolment, ["person_id", "module_id", "assignment_id", "due_on", "enrolled_at", "completed_at"],
                  ((person, module.pk, None, None, _dt(now - datetime.timedelta(days=400)),
                    _dt(now - datetime.timedelta(days=rng.randrange(1, 600))))
                   for person in learners for module in rng.sample(modules, 2)))
        if lessons:
            copy_rows(LessonCompletion, ["person_id", "lesson_id", "completed_at"],
                      ((person, rng.choice(lessons), _dt(now)) for person in learners[: len(learners) // 2]))
        township = Region.objects.filter(path__startswith=county.path, depth=county.depth + 1).order_by("path")
        staff = User.objects.filter(pk=people[0]).get()
        for index, area in enumerate(township[:15]):
            session = RotationSession.objects.create(
                title=f"规模测试轮训第{index + 1}期", township=area, venue="司法所会议室",
                starts_at=now - datetime.timedelta(days=20 * index + 1),
                ends_at=now - datetime.timedelta(days=20 * index + 1) + datetime.timedelta(hours=3),
                capacity=100, created_by=staff)
            session.modules.set(modules[:2])
            copy_rows(SessionAttendance, ["session_id", "person_id", "method", "recorded_by_id", "recorded_at"],
                      ((session.pk, person, "roster", None, _dt(now)) for person in rng.sample(people, 60)))
