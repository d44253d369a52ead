"""Reads of certification. Each takes the acting user and filters through ``people.permissions``."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from courses.selectors import completed_module_ids
from people.models import Region, User
from people.permissions import is_administrator, people_visible_to, region_filter
from people.selectors import people_search

from .models import BulkIssue, BulkIssueZip, Certificate, Program
from .validity import status_q

Status = Certificate.Status


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    """Administrators: all. Bureau staff: certificates of people in their jurisdiction. Others: their own."""
    if is_administrator(user):
        return Certificate.objects.all()
    return Certificate.objects.filter(holder__in=people_visible_to(user).values("pk"))


def status_filter(status: str, today=None, expiring_days: int | None = None) -> Q:
    """Certificates by what a verifier would be told, plus "expiring" (``certificates.validity.status_q``; the
    bureau's window unless ``expiring_days`` is given)."""
    return status_q(status, today=today, days=expiring_days)


def certificate_list(
    *, user: User, program: Program | None = None, status: str = "", region: Region | None = None, query: str = ""
) -> QuerySet[Certificate]:
    """The bureau's certificate register, filtered; ``region`` narrows to people serving in that area."""
    certificates = certificates_visible_to(user).select_related("holder", "program")
    if program is not None:
        certificates = certificates.filter(program=program)
    if status:
        certificates = certificates.filter(status_filter(status))
    if region is not None:
        certificates = certificates.filter(
            holder__memberships__committee__region__path__startswith=region.path).distinct()
    if query:
        certificates = certificates.filter(Q(holder__name__contains=query) | Q(serial_number__contains=query))
    return certificates.order_by("-issued_on", "-pk")


def certificate_detail(*, user: User, pk: int) -> Certificate | None:
    return (certificates_visible_to(user).select_related("holder", "program", "issuing_region", "issued_by")
            .prefetch_related("status_changes__changed_by").filter(pk=pk).first())


def learner_certificates(*, user: User) -> QuerySet[Certificate]:
    """A person's own certificates, newest first, history included."""
    return Certificate.objects.filter(holder=user).select_related("program").order_by("-issued_on", "-pk")


@dataclass
class ProgramCounts:
    program: Program
    valid: int = 0
    expiring: int = 0
    expired: int = 0
    revoked: int = 0


def programs_with_counts(*, user: User, expiring_days: int | None = None) -> list[ProgramCounts]:
    """Every program with how many certificates of it (in the user's jurisdiction) are in each state ("expiring":
    within ``expiring_days``, the bureau's window by default). Two queries whatever the number of programs."""
    expiring = status_filter("expiring", expiring_days=expiring_days)
    counts = {
        row["program"]: row for row in certificates_visible_to(user).values("program").annotate(
            valid=Count("pk", filter=status_filter("valid")), expiring=Count("pk", filter=expiring),
            expired=Count("pk", filter=status_filter("expired")), revoked=Count("pk", filter=status_filter("revoked")))
    }
    result = []
    for program in Program.objects.all():
        row = counts.get(program.pk, {})
        result.append(ProgramCounts(program=program, **{k: row.get(k, 0) for k in
                                                        ("valid", "expiring", "expired", "revoked")}))
    return result


def holder_candidates(*, user: User, query: str, limit: int = 20) -> list[User]:
    """People in the user's jurisdiction serving on a committee now, matching ``query`` by name, mobile number or
    committee (the people picker's search), each with ``committee_name``."""
    return people_search(user=user, query=query, limit=limit)


def bulk_issues_visible_to(user: User) -> QuerySet[BulkIssue]:
    """Batches for a committee or a session in the user's jurisdiction."""
    by_committee = region_filter(user, "committee__region__")
    # An empty Q (everything, for administrators) would vanish from an OR, leaving only the sessions' side.
    visible = by_committee | region_filter(user, "session__township__") if by_committee else Q()
    return BulkIssue.objects.filter(visible).select_related("program", "committee", "session")


def bulk_issue_zip(bulk: BulkIssue) -> BulkIssueZip | None:
    """The batch's ZIP, if one was asked for (``bulk`` comes from ``bulk_issues_visible_to``)."""
    return BulkIssueZip.objects.filter(bulk_issue=bulk).first()


@dataclass
class ExamPrerequisites:
    """A program that requires an exam, and the modules it also requires, each with whether the learner has
    finished it (online or at a rotation session)."""

    program: Program
    modules: list[tuple[object, bool]]


def exam_prerequisites(*, user, quiz) -> list[ExamPrerequisites]:
    """For an exam's intro: which certificates it counts towards and which modules they need besides. Three
    queries."""
    programs = list(Program.objects.filter(required_quizzes=quiz, is_active=True)
                    .prefetch_related("required_modules").order_by("sort_order", "pk"))
    done = completed_module_ids(user=user) if programs else set()
    return [ExamPrerequisites(program=program, modules=[
        (module, module.pk in done) for module in sorted(program.required_modules.all(), key=lambda m: m.path)])
        for program in programs]
