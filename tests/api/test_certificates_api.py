"""The certificates API in the permission-matrix pattern: every URL × every role × inside/outside → the expected
status, and no body names what the role may not see (a holder's full name, somebody else's certificate)."""

import pytest

from certificates import services
from certificates.models import Certificate, Program, VerificationCheck
from tests.api.test_permission_matrix import ROLES, login, matrix_problems, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(world):  # noqa: F811
    program = Program.objects.create(name="人民调解员培训合格证书", slug="mediator", validity_months=36)
    for area in world.areas.values():
        area.certificate, _ = services.certificate_issue(holder=area.members[0], program=program, announce=False)
    return world


def expected(kind: str, role: str) -> int:
    if kind == "public":
        return 200
    if kind == "missing":
        return 404
    return 401 if role == "anonymous" else 200  # "mine"


URLS = {
    "verify": ("public", lambda a: f"/api/v1/certificates/verify/{a.certificate.verification_code}/"),
    "verify unknown": ("missing", lambda a: "/api/v1/certificates/verify/not-a-code/"),
    "my certificates": ("mine", lambda a: "/api/v1/me/certificates/"),
}


def forbidden(world, role) -> set[str]:  # noqa: F811
    """No full holder name on the public check; nobody else's serial numbers in "my certificates"."""
    names = {area.members[0].name for area in world.areas.values()}
    mine = world.users[role].certificates.values_list("serial_number", flat=True) if world.users[role] else []
    return names | set(Certificate.objects.exclude(serial_number__in=list(mine))
                       .values_list("serial_number", flat=True))


@pytest.mark.parametrize("url_name", URLS)
def test_every_url_every_role_inside_and_outside(client, certified, url_name):
    kind, build = URLS[url_name]

    def hidden(role, area):
        allowed = {area.certificate.serial_number} if kind == "public" else set()
        return forbidden(certified, role) - allowed

    wrong = matrix_problems(client, certified, request=lambda area: client.get(build(area)),
                            status=lambda role, inside: expected(kind, role), forbidden=hidden)
    assert not wrong, "\n".join(wrong)


def test_the_public_check_says_revoked_and_is_logged(client, certified):
    area = certified.areas["甲"]
    url = f"/api/v1/certificates/verify/{area.certificate.verification_code}/"
    assert client.get(url).json()["status"] == "valid"
    services.certificate_revoke(certificate=area.certificate, revoked_by=certified.users["administrator"],
                                reason="违规")
    body = client.get(url).json()
    assert body["status"] == "revoked" and body["holder"] == "甲**员"
    assert VerificationCheck.objects.filter(certificate=area.certificate).count() == 2


def test_my_certificates_lists_the_callers_own(client, certified):
    login(client, certified, "mediator")
    results = client.get("/api/v1/me/certificates/").json()["results"]
    assert [r["serial_number"] for r in results] == [certified.areas["甲"].certificate.serial_number]
    assert results[0]["status"] == "valid" and results[0]["pdf_url"].endswith("/pdf/")
