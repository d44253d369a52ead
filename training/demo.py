"""Demo data of the training year, on top of the lower apps' demo: the banner's duties (pre-job 10 h within three
months of joining; 20 h a year, of which 6 h law; a new law's module to finish within three months), the 2025
annual review of the mediators' cards done, and the 2026 one started (previewed, not confirmed).

The duties came into force at the start of 2026, so 2025's review passes every card (nothing was owed yet) and
2026's preview shows who would not pass today. The informants' card (矛盾纠纷信息员合格证) is reviewed with a yearly
exam, the informant exam: this year's review of it is started too, and its preview shows who has not passed the
exam this year. The lecturers count a finished simulated mediation as 1 hour and a passed certification exam as
2 hours (mediators) or 1 hour (informants): the demo mediator's archive shows her scenario's hour, the demo
informant's the exam's. Idempotent: each piece is made once."""

import datetime
from decimal import Decimal

from django.utils import timezone

from assessments.demo import INFORMANT_EXAM, MEDIATOR_EXAM
from assessments.models import Quiz
from certificates.models import Program
from courses.models import CourseMenuPage, CourseModulePage, ModuleCategory, ScenarioPage
from people.models import Region, User

from . import services
from .models import ReviewRun, TrainingDuty

IN_FORCE = datetime.date(2026, 1, 1)
NEW_LAW_SLUG = "new-law-2026"
SCENARIO_HOURS = Decimal(1)
EXAM_CREDIT_HOURS = {MEDIATOR_EXAM: Decimal(2), INFORMANT_EXAM: Decimal(1)}


def _new_law_module(today: datetime.date) -> CourseModulePage:
    module = CourseModulePage.objects.filter(slug=NEW_LAW_SLUG).first()
    if module is None:
        module = CourseMenuPage.objects.get().add_child(instance=CourseModulePage(
            title="新修订法律法规中人民调解相关条款解读", slug=NEW_LAW_SLUG, credit_hours=2,
            category=ModuleCategory.objects.filter(code="B").first(),
            summary="新法公布后三个月内须完成学习：与人民调解、司法确认相关的新规定及其适用。"))
    return module


def _duties(banner: Region, today: datetime.date) -> None:
    law_categories = list(ModuleCategory.objects.filter(code__in=["A", "B"]))
    new_law = _new_law_module(today)
    for name, kind, fields, categories, modules in (
        ("岗前培训10学时", TrainingDuty.Kind.PREJOB, {"hours": 10, "within_days": 90}, [], []),
        ("年度培训20学时", TrainingDuty.Kind.ANNUAL, {"hours": 20}, [], []),
        ("其中法律知识6学时", TrainingDuty.Kind.ANNUAL, {"hours": 6}, law_categories, []),
        ("新法专题学习", TrainingDuty.Kind.TRIGGERED,
         {"within_days": 90, "triggered_on": today - datetime.timedelta(days=30)}, [], [new_law]),
    ):
        duty, created = TrainingDuty.objects.get_or_create(
            region=banner, name=name, defaults={"kind": kind, "in_force_from": IN_FORCE,
                                                "role": "mediator",
                                                **fields})
        if created:
            duty.categories.set(categories)
            duty.modules.set(modules)


def _scenario_and_exam_hours(bureau: User) -> None:
    """What the lecturers set: hours for a finished scenario and a passed exam (only where none are set yet)."""
    for scenario in ScenarioPage.objects.filter(credit_hours=0):
        scenario.credit_hours = SCENARIO_HOURS
        scenario.save_revision(user=scenario.owner).publish(user=bureau)
    for title, hours in EXAM_CREDIT_HOURS.items():
        Quiz.objects.filter(title=title, credit_hours=0).update(credit_hours=hours)


def _informant_review(banner: Region, bureau: User, year: int) -> None:
    """The informants' card asks for this year's informant exam; this year's review of it is in preview."""
    program = Program.objects.filter(slug="informant").first()
    exam = Quiz.objects.filter(title=INFORMANT_EXAM).first()
    if program is None or exam is None:
        return
    if program.review_exam_id is None:
        program.review_exam = exam
        program.save(update_fields=["review_exam"])
    if not ReviewRun.objects.filter(region=banner, program=program, year=year).exists():
        services.review_run_start(region=banner, program=program, year=year, started_by=bureau)


def seed(out) -> list[tuple[str, str, str]]:
    today = timezone.localdate()
    banner = Region.objects.get(code="150621")
    bureau = User.objects.get(username="bureau")
    program = Program.objects.get(slug="mediator")
    _scenario_and_exam_hours(bureau)
    _duties(banner, today)
    if not ReviewRun.objects.filter(region=banner, program=program, year=2025).exists():
        run = services.review_run_start(region=banner, program=program, year=2025, started_by=bureau)
        services.review_run_confirm(run=run, confirmed_by=bureau)
        # Tasks run in-process in the demo, but only after the transaction commits: decide here if still queued.
        run.refresh_from_db()
        services.review_run_decide(run=run)
    if today.year > 2025 and not ReviewRun.objects.filter(region=banner, program=program, year=today.year).exists():
        services.review_run_start(region=banner, program=program, year=today.year, started_by=bureau)
    _informant_review(banner, bureau, today.year)
    out.write(f"training: {TrainingDuty.objects.count()} duties, "
              f"{ReviewRun.objects.count()} annual reviews\n")
    return []
