"""Thin views: public checks, the learner's certificates, the bureau's register and forms."""

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import condition, require_http_methods, require_POST

from people.decorators import bureau_staff_required
from people.files import private_file_response
from people.network import client_ip
from people.permissions import can_see_person, people_visible_to
from people.qr import qr_svg

from . import credentials, proofs, selectors, services, status_lists
from .exceptions import CertificateError
from .forms import BulkIssueForm, CertificateFilterForm, CredentialCheckForm, IssueForm, LookupForm, ReasonForm
from .models import Certificate, CertificateSettings, Program, SigningKey, VerificationCheck
from .pdf import qr_png, seal_jpeg
from .services import site_setting
from .validity import expiring_label, expiring_within_days
from .verification import (
    certificate_by_code,
    certificate_by_serial_and_name,
    public_record,
    rate_limited,
    status_label,
)

# --- Public: no login. Every check is logged and rate-limited per client address.


def _checked(request, *, code: str, channel: str) -> Certificate:
    certificate = certificate_by_code(code)
    services.verification_check_log(certificate=certificate, channel=channel, query=code, client_ip=client_ip(request))
    if certificate is None:
        raise Http404
    return certificate


@never_cache
@rate_limited
def verify(request, code):
    certificate = _checked(request, code=code, channel=VerificationCheck.Channel.PAGE)
    return render(request, "certificates/verify.html", {
        "record": public_record(certificate), "json_url": reverse("certificates:verify_json", args=[code])})


@never_cache
@rate_limited
def verify_json(request, code):
    certificate = _checked(request, code=code, channel=VerificationCheck.Channel.JSON)
    return JsonResponse(public_record(certificate), json_dumps_params={"ensure_ascii": False})


@never_cache
@rate_limited
def credential_pickup(request, code):
    """The credential at the link (and QR code) a wallet picks it up from: JSON with its Data Integrity proof, or
    ``?format=jwt``. It carries no name (the subject is a random identifier), so it tells a stranger no more than
    the public check page. Revoked and superseded certificates hand out no credential."""
    certificate = _checked(request, code=code, channel=VerificationCheck.Channel.CREDENTIAL)
    if not certificate.hands_out_credential:
        return HttpResponse(status=410)
    if request.GET.get("format") == "jwt":
        return HttpResponse(credentials.credential_jwt(certificate), content_type="application/vc+jwt")
    return _ld_response(credentials.credential_json(certificate))


@never_cache
@rate_limited
def lookup(request):
    """For people who phone in: a serial number and the holder's full name; only an exact match answers."""
    form = LookupForm(request.GET or None)
    record = None
    searched = form.is_valid()
    if searched:
        certificate = certificate_by_serial_and_name(form.cleaned_data["serial_number"], form.cleaned_data["name"])
        services.verification_check_log(certificate=certificate, channel=VerificationCheck.Channel.LOOKUP,
                                        query=form.cleaned_data["serial_number"], client_ip=client_ip(request))
        record = public_record(certificate) if certificate else None
    return render(request, "certificates/lookup.html", {"form": form, "record": record, "searched": searched})


@rate_limited
def credential_check(request):
    """Paste or upload a credential (its JSON or its JWT); see whether its proof, dates and status check out."""
    form = CredentialCheckForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        check = credentials.credential_verify(form.cleaned_data["credential_text"])
    return render(request, "certificates/credential_check.html", {
        "form": form, "check": check, "status_label": status_label(check.status) if check and check.status else ""})


def _ld_response(document: dict, **kwargs) -> JsonResponse:
    return JsonResponse(document, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False},
                        **kwargs)


def did_document(request):
    return JsonResponse(credentials.did_document())


def jwks(request):
    return JsonResponse(proofs.jwks())


def issuer_profile(request):
    return _ld_response(credentials.issuer_profile())


@cache_control(public=True, max_age=3600)
def issuer_seal(request):
    """The bureau's seal as the issuer's image in credentials. The seal's file is private so that only the bureau's
    administrators can replace it; the seal itself is printed on every certificate, so showing it is public."""
    certificate_settings = site_setting(CertificateSettings)
    if not certificate_settings.seal:
        raise Http404
    return HttpResponse(seal_jpeg(certificate_settings.seal.name), content_type="image/jpeg")


def credential_key(request, kid):
    key = get_object_or_404(SigningKey, kid=kid)
    return _ld_response(proofs.key_document(key))


def achievement(request, slug):
    return _ld_response(credentials.achievement(get_object_or_404(Program, slug=slug)))


@condition(etag_func=lambda request, list_number, purpose: (
    status_lists.etag(list_number, purpose) if purpose in status_lists.PURPOSES else None))
def status_list(request, list_number, purpose):
    """A signed status list, as it stands now. ``no-cache``: a verifier revalidates each time (a 304 when the
    bits have not changed), so a revocation or suspension counts from the moment it is made."""
    if purpose not in status_lists.PURPOSES:
        raise Http404
    response = _ld_response(status_lists.status_list_credential(list_number, purpose))
    patch_cache_control(response, no_cache=True, max_age=0, public=True)
    return response


# --- The holder


@login_required
def mine(request):
    certificates = selectors.learner_certificates(user=request.user)
    return render(request, "certificates/mine.html", {"certificates": certificates})


def _own_or_visible(request, pk) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("holder", "program"), pk=pk)
    if not can_see_person(request.user, certificate.holder):
        raise Http404
    return certificate


@login_required
def pdf(request, pk):
    """The PDF, rendered now if it has not been yet (demo certificates are rendered on first download)."""
    certificate = services.certificate_pdf_render(certificate=_own_or_visible(request, pk))
    return private_file_response(certificate.pdf, filename=f"{certificate.serial_number}.pdf",
                                 content_type="application/pdf")


def _credential_refused(request, certificate):
    """Where a withdrawn certificate's credential was asked for: its public check says what became of it."""
    messages.error(request, _("This certificate has been revoked or replaced, so its digital credential is no "
                              "longer issued."))
    return redirect(certificate.verification_path())


@login_required
def credential(request, pk):
    """The Open Badges 3.0 credential as a signed JWT file, for the holder's wallet or a verifier."""
    certificate = _own_or_visible(request, pk)
    if not certificate.hands_out_credential:
        return _credential_refused(request, certificate)
    return HttpResponse(credentials.credential_jwt(certificate), content_type="application/jwt", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial_number}.jwt"'})


@login_required
def credential_json(request, pk):
    """The credential as JSON with its embedded Data Integrity proof."""
    certificate = _own_or_visible(request, pk)
    if not certificate.hands_out_credential:
        return _credential_refused(request, certificate)
    response = _ld_response(credentials.credential_json(certificate))
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial_number}.json"'
    return response


@login_required
def credential_wallet(request, pk):
    """The credential's link and QR code for a wallet to pick it up, and its downloads."""
    certificate = _own_or_visible(request, pk)
    if not certificate.hands_out_credential:
        return _credential_refused(request, certificate)
    link = request.build_absolute_uri(reverse("certificates:credential_pickup",
                                              args=[certificate.verification_code]))
    return render(request, "certificates/credential_wallet.html", {
        "certificate": certificate, "link": link,
        "qr": "data:image/png;base64," + base64.b64encode(qr_png(link)).decode()})


# --- Bureau staff, inside their jurisdiction


@bureau_staff_required
def bureau_programs(request):
    days = expiring_within_days(request)
    return render(request, "certificates/bureau_programs.html", {
        "rows": selectors.programs_with_counts(user=request.user, expiring_days=days),
        "expiring_label": expiring_label(days)})


@bureau_staff_required
def bureau_certificates(request):
    form = CertificateFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    certificates = selectors.certificate_list(
        user=request.user, program=filters.get("program"), status=filters.get("status", ""),
        region=filters.get("area"), query=filters.get("q", ""))
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "certificates/bureau_certificates.html", {
        "form": form, "page": page, "query": query.urlencode()})


def _bureau_action_labels() -> dict[str, str]:
    return {"renew": _("Reason for renewing"), "suspend": _("Reason for suspending"),
            "reinstate": _("Reason for reinstating"), "revoke": _("Reason for revoking")}


def _bureau_action(action: str, *, certificate: Certificate, user, reason: str) -> Certificate:
    """Do ``action``; returns the certificate to show next (the new one after a renewal)."""
    if action == "renew":
        return services.certificate_renew(certificate=certificate, renewed_by=user, reason=reason)
    if action == "revoke":
        return services.certificate_revoke(certificate=certificate, revoked_by=user, reason=reason)
    if action == "suspend":
        return services.certificate_suspend(certificate=certificate, suspended_by=user, reason=reason)
    return services.certificate_reinstate(certificate=certificate, reinstated_by=user, reason=reason)


@bureau_staff_required
def bureau_certificate(request, pk):
    certificate = selectors.certificate_detail(user=request.user, pk=pk)
    if certificate is None:
        raise Http404
    labels = _bureau_action_labels()
    forms = {action: ReasonForm(prefix=action, label=labels[action])
             for action in services.available_actions(certificate)}
    action = request.POST.get("action") if request.method == "POST" else None
    if action in forms:
        form = forms[action] = ReasonForm(request.POST, prefix=action, label=labels[action])
        if form.is_valid():
            try:
                shown = _bureau_action(action, certificate=certificate, user=request.user,
                                       reason=form.cleaned_data["reason"])
            except CertificateError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, {
                    "renew": _("Renewed: the new certificate is %(serial)s."),
                    "revoke": _("The certificate has been revoked."),
                    "suspend": _("The certificate has been suspended."),
                    "reinstate": _("The certificate has been reinstated."),
                }[action] % {"serial": shown.serial_number})
                return redirect("certificates:bureau_certificate", pk=shown.pk)
    return render(request, "certificates/bureau_certificate.html", {
        "certificate": certificate, "record": public_record(certificate), "forms": forms,
        "qr": qr_svg(certificate.verification_url()),
    })


@bureau_staff_required
def bureau_issue(request):
    """Issue by hand: find the person (in the jurisdiction), choose the program, give a reason."""
    query = request.GET.get("q", "").strip()
    holder = None
    if request.GET.get("holder"):
        holder = people_visible_to(request.user).filter(pk=request.GET["holder"]).first()
        if holder is None:
            raise Http404
    form = IssueForm(request.POST or None)
    if holder is not None and request.method == "POST" and form.is_valid():
        try:
            certificate, created = services.certificate_issue(
                holder=holder, program=form.cleaned_data["program"], issued_by=request.user,
                reason=form.cleaned_data["reason"])
        except CertificateError as error:
            form.add_error(None, str(error))
        else:
            if created:
                messages.success(request, _("Issued certificate %(serial)s to %(name)s.") % {
                    "serial": certificate.serial_number, "name": holder.name})
            else:
                messages.warning(request, _("%(name)s already holds a current certificate of this program.") % {
                    "name": holder.name})
            return redirect("certificates:bureau_certificate", pk=certificate.pk)
    return render(request, "certificates/bureau_issue.html", {
        "query": query, "candidates": selectors.holder_candidates(user=request.user, query=query),
        "holder": holder, "form": form,
        "holder_certificates": selectors.learner_certificates(user=holder) if holder else [],
    })


@bureau_staff_required
def bureau_bulk_new(request):
    form = BulkIssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            bulk = services.bulk_issue_request(requested_by=request.user, **form.cleaned_data)
        except CertificateError as error:
            form.add_error(None, str(error))
        else:
            return redirect("certificates:bureau_bulk", pk=bulk.pk)
    return render(request, "certificates/bureau_bulk_new.html", {
        "form": form, "recent": selectors.bulk_issues_visible_to(request.user)[:10]})


@bureau_staff_required
def bureau_bulk(request, pk):
    """The batch's progress, then its ZIP's (the page refreshes itself while either is under way)."""
    bulk = get_object_or_404(selectors.bulk_issues_visible_to(request.user), pk=pk)
    return render(request, "certificates/bureau_bulk.html", {"bulk": bulk, "bulk_zip": selectors.bulk_issue_zip(bulk)})


@require_http_methods(["GET", "POST"])
@bureau_staff_required
def bureau_bulk_zip(request, pk):
    """GET: the batch's ZIP once the worker has made it (until then, the batch's page with its progress).
    POST: ask for it (again, after a failure); asking while it is being made changes nothing."""
    bulk = get_object_or_404(selectors.bulk_issues_visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.bulk_issue_zip_request(bulk_issue=bulk, requested_by=request.user)
        except CertificateError as error:
            messages.error(request, str(error))
        return redirect("certificates:bureau_bulk", pk=bulk.pk)
    bulk_zip = selectors.bulk_issue_zip(bulk)
    if bulk_zip is None or bulk_zip.status != bulk_zip.Status.DONE:
        return redirect("certificates:bureau_bulk", pk=bulk.pk)
    return private_file_response(bulk_zip.file, filename=f"certificates-{bulk.pk}.zip",
                                 content_type="application/zip")


@require_POST
@bureau_staff_required
def bureau_render_pdf(request, pk):
    """Render a certificate's PDF again from its data (after the template or the seal changed)."""
    certificate = selectors.certificate_detail(user=request.user, pk=pk)
    if certificate is None:
        raise Http404
    services.certificate_pdf_render(certificate=certificate, force=True)
    messages.success(request, _("The PDF has been rendered again."))
    return redirect("certificates:bureau_certificate", pk=pk)
