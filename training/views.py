"""Bureau pages of the training year (who is behind on which duty is the coverage dashboard's: its figures are
kept in the dashboard's snapshots): the annual review (start, preview, confirm,
revoke) and external training (record, approve, its document). Every object is loaded through a scoped selector:
outside the jurisdiction is a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.decorators import bureau_staff_required
from people.files import private_file_response

from . import selectors, services
from .exceptions import TrainingError
from .forms import DecideForm, ExternalTrainingForm, ReviewStartForm, RevokeForm
from .models import AnnualReview, ReviewRun

CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@bureau_staff_required
def reviews(request):
    form = ReviewStartForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.review_run_start(started_by=request.user, **form.cleaned_data)
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            return redirect("training:review", pk=run.pk)
    return render(request, "training/reviews.html", {
        "form": form, "runs": selectors.review_runs_visible_to(request.user)[:50]})


@bureau_staff_required
def review(request, pk):
    run = get_object_or_404(selectors.review_runs_visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.review_run_confirm(run=run, confirmed_by=request.user)
        except TrainingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Confirmed: the review is being decided."))
        return redirect("training:review", pk=run.pk)
    decided = (selectors.run_reviews(run=run).exclude(outcome=AnnualReview.Outcome.PENDING)
               .select_related("certificate__holder").order_by("outcome", "certificate__holder__name")[:200])
    return render(request, "training/review.html", {
        "run": run, "preview": selectors.review_preview(run=run) if run.status == ReviewRun.Status.PREVIEW else None,
        "decided": decided, "revoke_form": RevokeForm()})


@require_POST
@bureau_staff_required
def review_revoke(request, pk, review_pk):
    run = get_object_or_404(selectors.review_runs_visible_to(request.user), pk=pk)
    annual = get_object_or_404(selectors.run_reviews(run=run), pk=review_pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.annual_review_revoke(review=annual, revoked_by=request.user, reason=form.cleaned_data["reason"])
        except TrainingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The certificate has been revoked."))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("training:review", pk=run.pk)


@bureau_staff_required
def external(request):
    form = ExternalTrainingForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records = services.external_training_record(recorded_by=request.user, **data)
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Recorded for %(count)s people; it counts once approved.") % {
                "count": len(records)})
            return redirect("training:external")
    return render(request, "training/external.html", {
        "form": form, "records": selectors.external_training_visible_to(request.user)[:100]})


@require_POST
@bureau_staff_required
def external_decide(request, pk):
    record = get_object_or_404(selectors.external_training_visible_to(request.user), pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.external_training_decide(record=record, decided_by=request.user, **form.cleaned_data)
        except TrainingError as error:
            messages.error(request, str(error))
    return redirect("training:external")


@bureau_staff_required
def external_document(request, pk):
    record = get_object_or_404(selectors.external_training_visible_to(request.user), pk=pk)
    suffix = record.document.name[record.document.name.rfind("."):].lower()
    return private_file_response(record.document, filename=f"external-training-{record.pk}{suffix}",
                                 content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
