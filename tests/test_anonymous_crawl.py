"""Issue 11: an outsider walks every URL pattern of the site, with every id and code it could guess, and the
whole public media tree; nothing personal comes back (a holder's full name, phone, or a certificate PDF)."""

import re
from pathlib import Path

import pytest
from django.urls import get_resolver, resolve
from django.urls.exceptions import Resolver404
from pypdf import PdfReader

from certificates import services
from tests import factories

pytestmark = pytest.mark.django_db
NAME, PHONE = "欧阳晓明", "13912345678"


def _formats(resolver, prefix=""):
    """Every (format string, parameter names) the URL conf can reverse, namespaces included."""
    for key, possibilities in resolver.reverse_dict.lists():
        if not isinstance(key, str):
            continue
        for possibility, _pattern, _defaults, _converters in possibilities:
            for result, params in possibility:
                yield prefix + result, params
    for _namespace, (namespace_prefix, sub_resolver) in resolver.namespace_dict.items():
        yield from _formats(sub_resolver, prefix + namespace_prefix.lstrip("^").rstrip("$"))


def crawl_urls(values: list[str]) -> set[str]:
    """A concrete URL for each pattern and each guessable value of its parameters."""
    urls = set()
    for result, params in _formats(get_resolver()):
        for value in values:
            url = "/" + (result % dict.fromkeys(params, value))
            url = re.sub(r"\\(.)", r"\1", url)
            try:
                resolve(url)
            except Resolver404:
                continue
            urls.add(url)
    return urls


@pytest.fixture
def certified(townships):
    committee = factories.CommitteeFactory(region=townships[0].get_children().get())
    holder = factories.mediator(committee=committee, name=NAME, phone=PHONE)
    from certificates.models import Program

    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    certificate = services.certificate_issue(holder=holder, program=program, announce=False)[0]
    return services.certificate_pdf_render(certificate=certificate)


def _personal(content: bytes) -> str:
    if content.startswith(b"%PDF"):
        return "a PDF"
    text = content.decode("utf-8", "replace")
    return next((marker for marker in (NAME, PHONE) if marker in text), "")


def test_an_anonymous_walk_of_every_url_pattern_finds_nothing_personal(client, certified, settings):
    settings.CERTIFICATE_CHECKS_PER_MINUTE = 100_000  # the rate limit must not hide what the pages would say
    certificate, holder = certified, certified.holder
    values = sorted({str(pk) for pk in range(1, 12)} | {
        str(certificate.pk), str(holder.pk), certificate.serial_number, certificate.verification_code,
        holder.username, "certificates/pdf/2026/" + certificate.serial_number + ".pdf"})
    urls = crawl_urls(values)
    assert len(urls) > 300  # the walk really covers the site, the admin and the API
    leaks = []
    for url in sorted(urls):
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code == 200 and (found := _personal(content)):
            leaks.append(f"{url}: {found}")
    assert leaks == []
    # The masked public check still answers: the crawl did reach the certificate.
    assert "欧**明" in client.get(certificate.verification_path()).content.decode()


def test_the_public_media_tree_holds_no_personal_file(certified, settings):
    public = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] \
        if Path(settings.MEDIA_ROOT).exists() else []
    for path in public:
        content = path.read_bytes()
        text = "".join(page.extract_text() for page in PdfReader(path).pages) if content.startswith(b"%PDF") \
            else content.decode("utf-8", "replace")
        assert NAME not in text and PHONE not in text and certified.verification_code not in text, path
    # …while the certificate's PDF exists, privately.
    assert certified.pdf.storage.exists(certified.pdf.name)
    assert not Path(certified.pdf.path).is_relative_to(Path(settings.MEDIA_ROOT))
