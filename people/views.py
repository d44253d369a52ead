from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from . import permissions, roster, selectors, services
from .decorators import bureau_staff_required, learner_required
from .exceptions import PeopleError
from .forms import RosterUploadForm
from .models import BureauSettings
from .navigation import home_panels

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    """Send each role to the home made for it."""
    user = request.user
    if permissions.is_bureau_staff(user):
        return redirect("people:bureau_home")
    if permissions.is_learner(user):
        return redirect("people:learner_home")
    if permissions.can_use_admin(user):
        return redirect("wagtailadmin_home")
    return redirect("people:profile")


@learner_required
def learner_home(request):
    return render(request, "people/learner_home.html", {
        "memberships": selectors.learner_memberships(user=request.user),
        "panels": home_panels(request, "learner_home_panels"),
    })


def help_page(request):
    """How to study, sign in and check in; open to everyone, since people who cannot sign in need it most."""
    return render(request, "people/help.html", {"phone": BureauSettings.for_request(request).justice_office_phone})


@bureau_staff_required
def bureau_home(request):
    total, children = selectors.jurisdiction_summary(user=request.user)
    return render(request, "people/bureau_home.html", {
        "total": total,
        "children": children,
        "panels": home_panels(request, "bureau_home_panels"),
    })


@login_required
def profile(request):
    memberships = request.user.memberships.select_related("committee__region", "grade").order_by("-joined_on")
    return render(request, "people/profile.html", {"memberships": memberships})


@login_required
def notices(request):
    return render(request, "people/notices.html", {"notices": selectors.notices_for(user=request.user)[:100]})


@require_POST
@login_required
def notices_read(request):
    services.notices_mark_read(person=request.user)
    return redirect("people:notices")


@bureau_staff_required
def roster_import(request):
    """Upload a roster: the file is read and checked at once; the result page shows errors or a preview."""
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read one byte past the limit, so an oversized file is refused without reading all of it.
        record = services.roster_import_upload(
            user=request.user, file_name=upload.name, data=upload.read(roster.MAX_FILE_BYTES + 1),
            file_size=upload.size, full_list=form.cleaned_data["full_list"])
        return redirect("people:roster_import_detail", pk=record.pk)
    return render(request, "people/roster_import.html", {
        "form": form,
        "columns": roster.COLUMNS,
        "max_rows": roster.MAX_ROWS,
        "max_megabytes": roster.MAX_FILE_BYTES // (1024 * 1024),
        "imports": selectors.roster_imports_visible_to(request.user)[:20],
    })


@bureau_staff_required
def roster_import_detail(request, pk: int):
    record = get_object_or_404(selectors.roster_imports_visible_to(request.user), pk=pk)
    return render(request, "people/roster_import_detail.html", {
        "record": record,
        "errors": [{**error, "column_label": _column_label(error["column"])} for error in record.errors],
        "preview": record.preview,
        "progress": _roster_progress(record),
    })


def _column_label(key: str) -> str:
    column = roster.COLUMNS_BY_KEY.get(key)
    return f"{column.header}" if column else key


def _roster_progress(record) -> dict:
    total = sum(record.preview.get("counts", {}).values())
    processed = total if record.status == record.Status.DONE else (
        cache.get(services.roster_import_progress_key(record.pk)) or 0)
    return {
        "status": record.status,
        "status_label": record.get_status_display(),
        "finished": record.is_finished,
        "processed": processed,
        "total": total,
        "percent": min(100, round(100 * processed / total)) if total else (100 if record.is_finished else 0),
        "result": record.result,
        "failure": record.failure,
    }


@bureau_staff_required
def roster_import_status(request, pk: int):
    """Small JSON for the progress display (polled by site/static/js/roster-import.js)."""
    record = get_object_or_404(selectors.roster_imports_visible_to(request.user), pk=pk)
    return JsonResponse(_roster_progress(record))


@require_POST
@bureau_staff_required
def roster_import_confirm(request, pk: int):
    record = get_object_or_404(selectors.roster_imports_visible_to(request.user), pk=pk)
    try:
        services.roster_import_confirm(roster_import=record, user=request.user)
    except PeopleError as exc:
        messages.error(request, str(exc))
    return redirect("people:roster_import_detail", pk=record.pk)


@bureau_staff_required
def roster_template(request, file_format: str):
    """The roster template with Chinese column names: XLSX (with instructions) or CSV (UTF-8 with BOM)."""
    if file_format == "xlsx":
        content, content_type = roster.template_xlsx(), XLSX_CONTENT_TYPE
    else:
        content, content_type = roster.template_csv(), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"调解组织人员名册模板.{file_format}")
    return response
