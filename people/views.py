from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import permissions, roster, selectors, sms
from .access_codes import access_code_format, activation_url
from .decorators import bureau_staff_required, learner_required
from .exceptions import PeopleError
from .forms import ActivationForm, ResetCodeForm, ResetCodeRequestForm, RosterUploadForm, SlipForm
from .models import AccessCode, BureauSettings
from .navigation import home_panels, region_url
from .network import client_ip
from .person_picker import person_label
from .replica import heavy_reads
from .services import accounts as account_services
from .services import notices as notice_services
from .services import roster_import as roster_import_services
from .slips import SLIPS_PER_FILE, render_slips_pdf
from .spreadsheets import spreadsheet_export

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@never_cache
@require_GET
def health(request):
    """A health check for the proxy or the monitor: the app answers and its database does (one ``SELECT 1``).

    Also the load test's *bare request floor* (people.calibration): the least a request through the same gunicorn,
    middleware and database connection costs, so endpoints' server times can be stated as multiples of it. No
    session, no template, nothing about anyone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"ok": True})


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
    return render(request, "people/help.html", {"offices": BureauSettings.for_request(request).justice_offices})


@bureau_staff_required
def bureau_home(request):
    total, children = selectors.jurisdiction_summary(user=request.user)
    return render(request, "people/bureau_home.html", {
        "total": total,
        "children": children,
        "children_links": [(row, region_url(request, row.region)) for row in children],
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
    notice_services.notices_mark_read(person=request.user)
    return redirect("people:notices")


@bureau_staff_required
def roster_import(request):
    """Upload a roster: the file is read and checked at once; the result page shows errors or a preview."""
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read one byte past the limit, so an oversized file is refused without reading all of it.
        record = roster_import_services.roster_import_upload(
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
        "need_activation": selectors.slip_people(user=request.user, roster_import=record.pk)[1].count()
        if record.status == record.Status.DONE else 0,
    })


def _column_label(key: str) -> str:
    column = roster.COLUMNS_BY_KEY.get(key)
    return f"{column.header}" if column else key


def _roster_progress(record) -> dict:
    total = sum(record.preview.get("counts", {}).values())
    processed = total if record.status == record.Status.DONE else (
        cache.get(roster_import_services.roster_import_progress_key(record.pk)) or 0)
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
        roster_import_services.roster_import_confirm(roster_import=record, user=request.user)
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


# --- Activation, and passwords forgotten ------------------------------------------------------------------------

def _code_rate_limited(request) -> HttpResponse | None:
    """The Chinese 429 page once an address has tried too many wrong codes (``CODE_FAILURES_PER_ADDRESS``)."""
    if account_services.access_code_failure_count(address=client_ip(request)) < settings.CODE_FAILURES_PER_ADDRESS:
        return None
    response = render(request, "registration/too_many_codes.html", status=429)
    response["Retry-After"] = str(settings.CODE_FAILURE_WINDOW_SECONDS)
    return response


def activate(request):
    """First sign-in from a login slip: the slip's QR code opens this page with ``?code=`` filled in; the person
    sets their own password and lands on their learning home, signed in."""
    if request.method == "POST" and (limited := _code_rate_limited(request)):
        return limited
    form = ActivationForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if form.is_bound and form.is_valid():
        try:
            access_code = account_services.activation_code_check(code=form.cleaned_data["code"])
        except PeopleError as error:
            account_services.access_code_failure_record(address=client_ip(request))
            form.add_error("code", str(error))
        else:
            form.check_new_password(access_code.person)
        if form.is_valid():
            try:
                person = account_services.activation_code_redeem(
                    code=form.cleaned_data["code"], password=form.cleaned_data["new_password1"])
            except PeopleError as error:  # used by a simultaneous request a moment ago
                form.add_error("code", str(error))
            else:
                login(request, person, backend="people.auth.IdentifierBackend")
                messages.success(request, _("Your password is set. From now on sign in with your mobile number "
                                            "(or ID number) and this password."))
                return redirect("people:home")
    return render(request, "registration/activate.html", {"form": form})


def password_forgotten(request):
    """Every way back in that this site offers: an SMS code, an email link, or the township justice office."""
    return render(request, "registration/password_forgotten.html", {
        "sms_enabled": sms.enabled(),
        "offices": selectors.bureau_settings().justice_offices,
    })


def password_reset_sms(request):
    """Ask for a reset code by SMS. The answer is the same whether or not the account exists or has a phone."""
    if not sms.enabled():
        raise Http404
    form = ResetCodeRequestForm(request.POST or None)
    if form.is_bound and form.is_valid():
        account_services.password_reset_code_send(identifier=form.cleaned_data["identifier"])
        request.session["reset_identifier"] = form.cleaned_data["identifier"]
        return redirect("password_reset_sms_confirm")
    return render(request, "registration/password_reset_sms.html", {"form": form})


def password_reset_sms_confirm(request):
    if not sms.enabled():
        raise Http404
    if request.method == "POST" and (limited := _code_rate_limited(request)):
        return limited
    form = ResetCodeForm(request.POST or None, initial={"identifier": request.session.get("reset_identifier", "")})
    if form.is_bound and form.is_valid():
        from .auth import person_for_identifier

        form.check_new_password(person_for_identifier(form.cleaned_data["identifier"]))
        if form.is_valid():
            try:
                person = account_services.password_reset_code_redeem(
                    identifier=form.cleaned_data["identifier"], code=form.cleaned_data["code"],
                    password=form.cleaned_data["new_password1"])
            except PeopleError as error:
                account_services.access_code_failure_record(address=client_ip(request))
                form.add_error("code", str(error))
            else:
                request.session.pop("reset_identifier", None)
                login(request, person, backend="people.auth.IdentifierBackend")
                messages.success(request, _("Your new password is set."))
                return redirect("people:home")
    return render(request, "registration/password_reset_sms_confirm.html", {"form": form})


# --- Bureau staff: sign-in of the people in their jurisdiction ------------------------------------------------------

def _slip_response(request, *, people: list, title: str, days: int) -> HttpResponse:
    """Issue new activation codes for ``people`` and return their login slips as a PDF download (never stored)."""
    codes = account_services.activation_codes_issue(people=people, actor=request.user, days=days)
    rows = selectors.slip_rows(people)
    expires_at = timezone.localtime() + timedelta(days=days)
    pdf = render_slips_pdf(rows=rows, codes=codes, expires_at=expires_at,
                           bureau_name=selectors.bureau_settings().bureau_name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"登录条-{title}.pdf")
    response["Cache-Control"] = "no-store"  # the codes inside work until used
    return response


@bureau_staff_required
def person_sign_in(request, pk: int):
    """A person's sign-in as bureau staff see it, with the acts that help them in: a new activation code (shown
    once), a login slip, lifting a lockout, resetting the password. Outside the jurisdiction: 404."""
    record = selectors.person_sign_in(user=request.user, pk=pk)
    if record is None:
        raise Http404
    person = record["person"]
    form = SlipForm(request.POST or None, initial={"days": selectors.bureau_settings().activation_code_days})
    new_code = None
    if request.method == "POST" and form.is_valid():
        action, days = request.POST.get("action"), form.cleaned_data["days"]
        if action == "slip":
            return _slip_response(request, people=[person], title=person.name, days=days)
        if action == "sms":
            try:
                account_services.activation_codes_send_sms(people=[person], actor=request.user, days=days)
            except PeopleError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("An activation code was texted to %(phone)s.") % {
                    "phone": person.masked_phone})
            return redirect("people:person_sign_in", pk=person.pk)
        if action == "code":
            new_code = account_services.activation_codes_issue(people=[person], actor=request.user, days=days)[0]
        elif action == "reset":
            new_code = account_services.person_password_reset_by_staff(person=person, actor=request.user, days=days)
        elif action == "unlock":
            account_services.person_unlock(person=person, actor=request.user)
            messages.success(request, _("The lockout is lifted: %(name)s can sign in again.") % {"name": person})
            return redirect("people:person_sign_in", pk=person.pk)
        record = selectors.person_sign_in(user=request.user, pk=pk)
    return render(request, "people/person_sign_in.html", {
        **record, "form": form, "sms_enabled": sms.enabled(),
        "new_code": access_code_format(new_code) if new_code else None,
        "new_code_url": activation_url(new_code) if new_code else None,
    })


@bureau_staff_required
def login_slips(request):
    """Login slips for everyone who has never signed in among a committee's members (``?committee=``), a region's
    (``?region=`` code) or one roster import's new people (``?roster_import=``). GET: how many; POST: the PDF."""
    try:
        scope = {key: (int(value) if key != "region" else value) for key, value in request.GET.items()
                 if key in ("committee", "region", "roster_import")}
    except ValueError as error:
        raise Http404 from error
    found = selectors.slip_people(user=request.user, **scope) if len(scope) == 1 else None
    if found is None:
        raise Http404
    title, people = found
    count = people.count()
    # One PDF holds at most SLIPS_PER_FILE slips: rendering takes ~0.1 s a slip, and a request must finish well
    # inside gunicorn's timeout. A township of a thousand prints in a few files, in name order.
    batches = [(start + 1, min(start + SLIPS_PER_FILE, count)) for start in range(0, count, SLIPS_PER_FILE)]
    form = SlipForm(request.POST or None, initial={"days": selectors.bureau_settings().activation_code_days})
    if form.is_valid() and request.POST.get("action") == "sms":
        try:
            sent = account_services.activation_codes_send_sms(people=list(people), actor=request.user,
                                                      days=form.cleaned_data["days"])
        except PeopleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Activation codes texted to %(count)d people; those without a mobile number "
                                        "need a printed slip.") % {"count": sent})
        return redirect(request.get_full_path())
    if form.is_valid():
        batch = request.POST.get("batch", "1")
        if not batch.isdigit() or not 1 <= int(batch) <= max(len(batches), 1):
            raise Http404
        start = (int(batch) - 1) * SLIPS_PER_FILE
        chosen = list(people[start:start + SLIPS_PER_FILE])
        if chosen:
            suffix = f"-{batch}" if len(batches) > 1 else ""
            return _slip_response(request, people=chosen, title=f"{title}{suffix}", days=form.cleaned_data["days"])
        messages.info(request, _("Everyone here has already signed in: no slips to print."))
    return render(request, "people/login_slips.html", {
        "title": title, "count": count, "batches": batches, "form": form, "region": scope.get("region"),
        "sms_enabled": sms.enabled()})


@bureau_staff_required
@heavy_reads
def never_signed_in_csv(request):
    """A CSV (UTF-8 with BOM, for Excel) of people in the jurisdiction, or in ``?region=``, who never signed in."""
    region = request.GET.get("region")
    found = selectors.slip_people(user=request.user, region=region) if region else (
        request.user.jurisdiction.name if request.user.jurisdiction_id else _("all regions"),
        selectors.people_never_signed_in(permissions.people_visible_to(request.user)).order_by("name", "pk"))
    if found is None:
        raise Http404
    title, people = found
    issued = set(AccessCode.objects.filter(person__in=people, purpose=AccessCode.Purpose.ACTIVATION)
                 .values_list("person_id", flat=True))
    rows = ([row["person"].name, row["person"].masked_phone, row["committee"],
             _("Yes") if row["person"].pk in issued else _("No")] for row in selectors.slip_rows(people))
    content, content_type = spreadsheet_export(
        headers=[_("Name"), _("Mobile phone"), _("Committee"), _("Activation code issued")], rows=rows,
        file_format="csv")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"未登录人员-{title}.csv")
    return response


@bureau_staff_required
def person_search(request):
    """JSON for the person picker: up to 20 people in the jurisdiction matching ``?q=`` by name, mobile number or
    committee, labelled so that two people of one name can be told apart (phone masked)."""
    people = selectors.people_search(user=request.user, query=request.GET.get("q", "")[:50])
    return JsonResponse({"results": [
        {"id": person.pk, "label": person_label(person, person.committee_name)} for person in people]})
