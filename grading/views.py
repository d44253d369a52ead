"""Pages of grading: case figures import, grading rounds (eligible list, decisions, 公示, 备案, applying), the
public 公示 lists, and training archives (page, PDF, a committee's ZIP). Thin: forms, selectors, services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.decorators import bureau_staff_required
from people.files import private_file_response
from people.spreadsheets import spreadsheet_export

from . import case_import, selectors, services
from .exceptions import GradingError
from .forms import (
    ArchiveExportForm,
    BulkRejectForm,
    CaseFiguresUploadForm,
    DecisionForm,
    PublishForm,
    RoundOpenForm,
    WithdrawForm,
)
from .models import GradingCandidate, GradingRound
from .permissions import may_run_round

# --- Case figures -------------------------------------------------------------------------------------------------


@bureau_staff_required
def case_figures(request):
    """Upload a case figures file: checked and written at once, all rows or none."""
    form = CaseFiguresUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.case_figures_import(user=request.user, file_name=upload.name,
                                              data=upload.read(case_import.MAX_FILE_BYTES + 1))
        if not result.errors:
            messages.success(request, _("%(rows)d rows imported; %(changed)d changed.") % {
                "rows": result.rows, "changed": result.changed})
            return redirect("grading:case_figures")
    return render(request, "grading/case_figures.html", {
        "form": form, "result": result, "columns": case_import.COLUMNS.values(),
        "errors": [(error.line, case_import.column_label(error.column), error.message)
                   for error in (result.errors if result else [])],
        "recent": selectors.case_figures_visible_to(request.user).order_by("-updated_at")[:20]})


@bureau_staff_required
def case_figures_template(request):
    response = HttpResponse(case_import.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="case-figures.csv"'
    return response


# --- Rounds -------------------------------------------------------------------------------------------------------

@bureau_staff_required
def rounds(request):
    form = RoundOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            grading_round = services.round_open(opened_by=request.user, **form.cleaned_data)
        except GradingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("grading:round", pk=grading_round.pk)
    return render(request, "grading/rounds.html", {
        "form": form, "rounds": selectors.rounds_visible_to(request.user)[:50],
        "may_open": form.fields["region"].queryset.exists()})


def _round(request, pk) -> GradingRound:
    return get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)


@bureau_staff_required
def round_detail(request, pk):
    grading_round = _round(request, pk)
    candidates = selectors.round_candidates(user=request.user, grading_round=grading_round)
    return render(request, "grading/round.html", {
        "round": grading_round, "candidates": candidates, "decision_form": DecisionForm(),
        "publish_form": PublishForm(), "may_run": may_run_round(request.user, grading_round.region),
        "withdraw_form": WithdrawForm(auto_id="withdraw_%s"),
        "reject_form": BulkRejectForm(candidates=GradingCandidate.objects.none(), auto_id="reject_%s"),
        "may_reject": any(c.may_decide for c in candidates),
        "withdrawable": grading_round.status in (GradingRound.Status.REVIEWING, GradingRound.Status.PUBLISHED,
                                                 GradingRound.Status.FILED),
        "pending": sum(c.decision == GradingCandidate.Decision.PENDING for c in candidates),
        "history": grading_round.status_changes.select_related("changed_by"),
        "today": timezone.localdate()})


@require_POST
@bureau_staff_required
def candidate_decide(request, pk, candidate_pk):
    grading_round = _round(request, pk)
    candidate = get_object_or_404(selectors.round_candidates_visible(user=request.user, grading_round=grading_round),
                                  pk=candidate_pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.candidate_decide(candidate=candidate, decided_by=request.user,
                                      approve=form.cleaned_data["decision"] == "approve",
                                      reason=form.cleaned_data["reason"])
        except GradingError as error:
            messages.error(request, str(error))
    return redirect(f"{grading_round.get_absolute_url()}#candidate-{candidate.pk}")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@bureau_staff_required
def candidates_reject(request, pk):
    """Reject the ticked candidates with one reason: all of them, or none when any one is not the user's to rate."""
    grading_round = _round(request, pk)
    form = BulkRejectForm(request.POST, candidates=selectors.round_candidates_visible(
        user=request.user, grading_round=grading_round))
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            rejected = services.candidates_reject(grading_round=grading_round,
                                                  candidates=list(form.cleaned_data["candidates"]),
                                                  decided_by=request.user, reason=form.cleaned_data["reason"])
        except GradingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(count)d candidates rejected.") % {"count": rejected})
    return redirect(grading_round.get_absolute_url())


@require_POST
@bureau_staff_required
def round_withdraw(request, pk):
    grading_round = _round(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.round_withdraw(grading_round=grading_round, withdrawn_by=request.user,
                                    reason=form.cleaned_data["reason"])
        except GradingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The round has been withdrawn; its candidates were told why."))
    return redirect(grading_round.get_absolute_url())


@require_POST
@bureau_staff_required
def round_step(request, pk, step):
    """Approve the remaining candidates, publish (with the period), file, or apply a round."""
    grading_round = _round(request, pk)
    try:
        if step == "publish":
            form = PublishForm(request.POST)
            if not form.is_valid():
                raise GradingError(_("The publication lasts between 1 and 60 days."))
            services.round_publish(grading_round=grading_round, published_by=request.user,
                                   days=form.cleaned_data["days"])
        elif step == "approve-rest":
            approved = services.round_approve_remaining(grading_round=grading_round, decided_by=request.user)
            messages.success(request, _("%(count)d candidates approved.") % {"count": approved})
        elif step == "file":
            services.round_file(grading_round=grading_round, filed_by=request.user)
        elif step == "apply":
            services.round_apply(grading_round=grading_round, applied_by=request.user)
        else:
            raise Http404
    except GradingError as error:
        messages.error(request, str(error))
    return redirect(grading_round.get_absolute_url())


@bureau_staff_required
def round_export(request, pk, file_format):
    """The filing list (备案): approved candidates with their committee, grade and the evidence."""
    grading_round = _round(request, pk)
    if file_format not in ("csv", "xlsx"):
        raise Http404
    approved = [c for c in selectors.round_candidates(user=request.user, grading_round=grading_round)
                if c.decision == GradingCandidate.Decision.APPROVED]
    headers = [_("Name"), _("Committee"), _("Current grade"), _("Approved grade"), _("Years of service"),
               _("Cases mediated"), _("Success rate (%)"), _("Training hours"), _("Decided by"), _("Decided at")]
    rows = []
    for candidate in approved:
        actual = {check["key"]: check["actual"] for check in candidate.evidence.get("checks", [])}
        rows.append([candidate.membership.person.name, candidate.membership.committee.name,
                     str(candidate.current_grade or "—"), candidate.grade.name, actual.get("years_of_service", ""),
                     actual.get("cases", ""), actual.get("success_percent", ""), actual.get("training_hours", ""),
                     candidate.decided_by.name if candidate.decided_by else "",
                     timezone.localtime(candidate.decided_at).strftime("%Y-%m-%d") if candidate.decided_at else ""])
    content, content_type = spreadsheet_export(headers=headers, rows=rows, file_format=file_format,
                                               title=grading_round.title)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="grading-{grading_round.pk}.{file_format}"'
    return response


# --- Public 公示 -------------------------------------------------------------------------------------------------

def public_index(request):
    return render(request, "grading/public_index.html", {"rounds": selectors.public_rounds()})


def public_round(request, code):
    grading_round = get_object_or_404(selectors.public_rounds(), public_code=code)
    return render(request, "grading/public_round.html", {
        "round": grading_round, "lines": selectors.public_list(grading_round)})


# --- Training archives --------------------------------------------------------------------------------------------

def _archive_person(request, pk):
    person = selectors.archive_person(user=request.user, person_id=pk)
    if person is None:
        raise Http404
    return person


@login_required
def my_archive(request):
    return redirect("grading:archive", pk=request.user.pk)


@login_required
def archive(request, pk):
    person = _archive_person(request, pk)
    return render(request, "grading/archive.html", {"archive": selectors.archive(person=person),
                                                    "own": person.pk == request.user.pk})


@login_required
def archive_pdf(request, pk):
    person = _archive_person(request, pk)
    response = HttpResponse(services.archive_pdf(person=person), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="archive-{person.pk}.pdf"'
    return response


@bureau_staff_required
def archive_exports(request):
    form = ArchiveExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        export = services.archive_export_request(committee=form.cleaned_data["committee"],
                                                 requested_by=request.user)
        return redirect("grading:archive_export", pk=export.pk)
    return render(request, "grading/archive_exports.html", {
        "form": form, "recent": selectors.archive_exports_visible_to(request.user)[:10]})


@bureau_staff_required
def archive_export(request, pk):
    export = get_object_or_404(selectors.archive_exports_visible_to(request.user), pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": export.status, "percent": export.percent, "processed": export.processed,
                             "total": export.total})
    return render(request, "grading/archive_export.html", {"export": export})


@bureau_staff_required
def archive_export_zip(request, pk):
    export = get_object_or_404(selectors.archive_exports_visible_to(request.user), pk=pk)
    if not export.file:
        raise PermissionDenied
    return private_file_response(export.file, filename=f"archives-{export.pk}.zip", content_type="application/zip")
