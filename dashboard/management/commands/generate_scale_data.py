"""Build the data sets the coverage dashboard is measured on, in regions of their own so the demo stays as it is.

The county (issue 6, the default): 100,000 members on 2,000 committees (40 townships × 50 villages), 200,000
certificates (with their status history), 1,000,000 exam attempts, plus lesson completions, enrolments and
rotation-session attendance for the training figures. The province (``--province``, issue 19): 12 cities × 10
counties × 10 townships × 10 villages, 200,000 members on 12,000 committees, 400,000 certificates, 4,000,000
attempts. ``--scale 0.1`` builds a tenth of either (the province keeps its 12 × 10 counties and thins the
townships and villages). Rows go in with PostgreSQL's COPY (``executemany`` on SQLite). Each refuses to run twice:
the root region's division code marks its data set. Both carry the training year's duties with approved external
training (issue 14)."""

import dataclasses
import datetime
import math
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
from people.models import Committee, Grade, Membership, Region, User
from people.roles import StaffRole
from people.services.organisation import region_add
from people.services.staff import staff_role_grant
from training.models import ExternalTraining, TrainingDuty

COUNTY_CODE = "990100"
COUNTY_NAME = "规模测试旗"
STAFF_USERNAME = "scale-bureau"
TOWNSHIPS = 40
PROVINCE_CODE = "980000"
PROVINCE_NAME = "规模测试省"
PROVINCE_STAFF_USERNAME = "prov-bureau"
CITIES, COUNTIES_PER_CITY = 12, 10
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


def _status_bits(count: int, rng: random.Random) -> list[tuple[int, int]]:
    """(status list, index) for ``count`` certificates: random distinct indexes, each list filled to half, as
    ``certificates.services`` allocates them, in lists of their own after those already in use. A list, not a
    generator: read lazily inside the COPY, its query would wait for the connection the COPY holds."""
    half = settings.CREDENTIAL_STATUS_LIST_BITS // 2
    # Read now, not when the generator first runs: that is inside the COPY, and psycopg's connection waits for the
    # COPY to end before it runs another query (the generation hung there).
    first = (Certificate.objects.aggregate(last=Max("status_list"))["last"] or 0) + 1
    return [(list_number, index) for list_number, start in enumerate(range(0, count, half), start=first)
            for index in rng.sample(range(settings.CREDENTIAL_STATUS_LIST_BITS), min(half, count - start))]


@dataclasses.dataclass(frozen=True)
class DataSet:
    """One data set: its root region, its full size, and the prefix its usernames and serial numbers carry."""

    code: str
    name: str
    level: str
    staff_username: str
    prefix: str  # usernames "<prefix>-<n>", serial numbers "<PREFIX>-<n>"
    members: int
    committees: int
    certificates: int
    attempts: int

    def tree(self, committees: int) -> list[tuple[str, int, str]]:
        """The levels under the root: (level, children per parent, name suffix), the last level the villages."""
        if self.level == Region.Level.COUNTY:
            return [(Region.Level.TOWNSHIP, TOWNSHIPS, "镇"),
                    (Region.Level.VILLAGE, max(1, committees // TOWNSHIPS), "村")]
        per_county = max(1, committees // (CITIES * COUNTIES_PER_CITY))
        townships = max(1, min(10, math.isqrt(per_county)))
        return [(Region.Level.CITY, CITIES, "市"), (Region.Level.COUNTY, COUNTIES_PER_CITY, "县"),
                (Region.Level.TOWNSHIP, townships, "镇"), (Region.Level.VILLAGE, max(1, per_county // townships), "村")]


COUNTY = DataSet(code=COUNTY_CODE, name=COUNTY_NAME, level=Region.Level.COUNTY, staff_username=STAFF_USERNAME,
                 prefix="scale", members=100_000, committees=2_000, certificates=200_000, attempts=1_000_000)
PROVINCE = DataSet(code=PROVINCE_CODE, name=PROVINCE_NAME, level=Region.Level.PROVINCE,
                   staff_username=PROVINCE_STAFF_USERNAME, prefix="prov", members=200_000, committees=12_000,
                   certificates=400_000, attempts=4_000_000)


def _child_code(parent: Region, number: int) -> str:
    """Division codes as the real ones run: province 98 0000 → city 98 01 00 → county 98 01 01 → township
    980101 001 → village 980101001 001."""
    if parent.level == Region.Level.PROVINCE:
        return f"{parent.code[:2]}{number:02d}00"
    if parent.level == Region.Level.CITY:
        return f"{parent.code[:4]}{number:02d}"
    return f"{parent.code}{number:03d}"


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


class Command(BaseCommand):
    help = ("Generate the coverage dashboard's scale data set: a separate county, or with --province a separate "
            "province (each refuses to run twice).")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full data set (e.g. 0.1).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--province", action="store_true",
                            help="The province (12 cities × 10 counties, 200,000 members) instead of the county.")

    def handle(self, *args, scale: float, seed: int, province: bool, **options):
        data_set = PROVINCE if province else COUNTY
        if Region.objects.filter(code=data_set.code).exists():
            raise CommandError(f"The scale data set ({data_set.name}, {data_set.code}) exists already.")
        rng = random.Random(seed)  # noqa: S311  (made-up test data, reproducible)
        tree = data_set.tree(int(data_set.committees * scale))
        members = int(data_set.members * scale)
        certificates_n, attempts_n = int(data_set.certificates * scale), int(data_set.attempts * scale)
        started = time.monotonic()
        with transaction.atomic():
            root, villages = self._regions(data_set, tree)
            committees = self._committees(villages, rng)
            people = self._people(data_set, members, rng)
            self._memberships(people, committees, rng)
            self._certificates(data_set, people, certificates_n, root, rng)
            self._training(people, attempts_n, root, rng)
            staff = User.objects.create_user(username=data_set.staff_username, name=f"{data_set.name}干部",
                                             password=None)
            self._duties(people, root, staff, rng)
            staff_role_grant(user=staff, role=StaffRole.BUREAU_STAFF, jurisdiction=root)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(f"{data_set.name}: {len(committees)} committees, {len(people)} members, {certificates_n} "
                          f"certificates, {attempts_n} attempts in {time.monotonic() - started:.1f} s. "
                          f"Bureau login for the benchmark: {data_set.staff_username}.")

    def _regions(self, data_set: DataSet, tree: list[tuple[str, int, str]]) -> tuple[Region, list[Region]]:
        """The root and every level under it, a level at a time; returns the root and the villages."""
        root = region_add(parent=None, name=data_set.name, code=data_set.code, level=data_set.level)
        parents = [root]
        for depth, (level, count, suffix) in enumerate(tree, start=root.depth + 1):
            Region.objects.bulk_create([
                Region(name=f"{parent.name if parent.depth > root.depth else '规模'}{number}{suffix}",
                       code=_child_code(parent, number), level=level, depth=depth, numchild=0,
                       path=Region._get_path(parent.path, depth, number))
                for parent in parents for number in range(1, count + 1)], batch_size=2000)
            Region.objects.filter(path__startswith=root.path, depth=depth - 1).update(numchild=count)
            parents = list(Region.objects.filter(path__startswith=root.path, depth=depth).order_by("path"))
        return root, parents

    def _committees(self, villages: list[Region], rng: random.Random) -> list[int]:
        Committee.objects.bulk_create([Committee(region=v, name=f"{v.name}人民调解委员会", kind=Committee.Kind.VILLAGE)
                                       for v in villages], batch_size=2000)
        return list(Committee.objects.filter(region__in=villages).values_list("pk", flat=True))

    def _people(self, data_set: DataSet, members: int, rng: random.Random) -> list[int]:
        genders = [User.Gender.FEMALE, User.Gender.MALE, User.Gender.MALE]
        joined = _dt(timezone.now())
        copy_rows(User, ["password", "is_superuser", "username", "email", "is_staff", "is_active", "date_joined",
                         "name", "gender", "phone", "national_id_hash", "national_id_masked"],
                  (("!", False, f"{data_set.prefix}-{i}", "", False, True, joined,
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), rng.choice(genders), "", "", "")
                   for i in range(members)))
        return list(User.objects.filter(username__startswith=f"{data_set.prefix}-", jurisdiction=None)
                    .exclude(username=data_set.staff_username).order_by("pk").values_list("pk", flat=True))

    def _memberships(self, people: list[int], committees: list[int], rng: random.Random) -> None:
        grades = list(Grade.objects.values_list("pk", flat=True)) or [None]
        today = timezone.localdate()
        copy_rows(Membership, ["person_id", "committee_id", "role", "employment", "position", "grade_id",
                               "joined_on", "left_on"],
                  ((person, committees[i % len(committees)], "mediator" if rng.random() < 0.7 else "informant",
                    "full_time" if rng.random() < 0.13 else "part_time", "", rng.choice(grades),
                    _d(today - datetime.timedelta(days=rng.randrange(30, 3000))), None)
                   for i, person in enumerate(people)))

    def _certificates(self, data_set: DataSet, people: list[int], count: int, root: Region,
                      rng: random.Random) -> None:
        program, _created = Program.objects.get_or_create(
            slug="scale-mediator", defaults={"name": "规模测试调解员证书", "validity_months": 36})
        today = timezone.localdate()
        serial = f"{data_set.prefix.upper()}-"
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
                  ((holder, program.pk, root.pk, f"{data_set.name}司法局", f"{serial}{n:07d}",
                    new_verification_code(),
                    _d(issued), _d(expires), status, "", _dt(timezone.now()), uuid.UUID(int=rng.getrandbits(128)).hex,
                    *bit)
                   for n, ((holder, issued, expires, status), bit) in enumerate(
                       zip(rows, _status_bits(len(rows), rng), strict=True))))
        ids = Certificate.objects.filter(serial_number__startswith=serial).order_by("serial_number").values_list(
            "pk", flat=True)
        for pk, (_holder, issued, expires, status) in zip(ids, rows, strict=True):
            changes.append((pk, "", "issued", _dt(datetime.datetime.combine(issued, moment, zone)), ""))
            if status != "issued":
                ended = expires if status == "expired" else expires - datetime.timedelta(days=30)
                changes.append((pk, "issued", status, _dt(datetime.datetime.combine(ended, moment, zone)), ""))
        copy_rows(CertificateStatusChange, ["certificate_id", "old_status", "new_status", "changed_at", "reason"],
                  changes)

    def _duties(self, people: list[int], root: Region, staff: User, rng: random.Random) -> None:
        """The county's training year (issue 14): 20 h a year (in force since 2020), 10 h of pre-job training
        within 90 days for those who joined this last year, and a new law to be trained on within 90 days of
        its publication 120 days ago; and approved external training (20 h) last year for two in three, this
        year for one in two, so every duty has people who met it, are behind and are overdue."""
        today = timezone.localdate()
        TrainingDuty.objects.bulk_create([
            TrainingDuty(region=root, name="规模测试年度培训", kind=TrainingDuty.Kind.ANNUAL, hours=20,
                         in_force_from=datetime.date(2020, 1, 1)),
            TrainingDuty(region=root, name="规模测试岗前培训", kind=TrainingDuty.Kind.PREJOB, hours=10,
                         within_days=90, in_force_from=today - datetime.timedelta(days=365)),
            TrainingDuty(region=root, name="规模测试新法培训", kind=TrainingDuty.Kind.TRIGGERED, hours=2,
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

    def _training(self, people: list[int], attempts_n: int, root: Region, rng: random.Random) -> None:
        quiz = Quiz.objects.create(title=f"{root.name}资格考试", kind=Quiz.Kind.CERTIFICATION)
        now = timezone.now()
        per_person = max(1, attempts_n // max(len(people), 1))
        takers = people[: attempts_n // per_person]

        def attempts():
            for person in takers:
                for number in range(1, per_person + 1):
                    when = now - datetime.timedelta(days=rng.randrange(1, 720))
                    percent = rng.randrange(30, 100)
                    yield (quiz.pk, person, number, "completed", _dt(when), None, _dt(when), False, percent, 100,
                           percent, percent >= 60, None)

        copy_rows(Attempt, ["quiz_id", "user_id", "number", "status", "started_at", "deadline", "submitted_at",
                            "closed_by_timeout", "score", "max_score", "percent", "passed",
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
        township = Region.objects.filter(path__startswith=root.path, level=Region.Level.TOWNSHIP).order_by("path")
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
