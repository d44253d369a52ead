"""Every coverage dashboard, export and API URL × every role × inside/outside the jurisdiction → the expected
status, and no response names anything outside what the role may see (the world of test_permission_matrix)."""

import pytest
from django.urls import reverse

from tests.api.test_permission_matrix import ROLES, STAFF, expected, login, matrix_problems, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def expected_status(kind: str, role: str, inside: bool) -> int:
    if kind == "redirect":  # the dashboard's entry sends staff on to their own region
        return 302 if role == "anonymous" or role in STAFF else 403
    return expected(kind, role, inside)


URLS = {
    "dashboard": ("redirect", lambda a: reverse("coverage:home")),
    "region": ("object_page", lambda a: reverse("coverage:region", args=[a.region.code])),
    "region export": ("object_page", lambda a: reverse("coverage:region", args=[a.region.code])
                      + "?export=coverage&format=xlsx"),
    "region grades CSV": ("object_page", lambda a: reverse("coverage:region", args=[a.region.code])
                          + "?export=grades&format=csv"),
    "village": ("object_page", lambda a: reverse("coverage:region", args=[a.village.code])),
    "red flags": ("object_page", lambda a: reverse("coverage:flags", args=[a.region.code])),
    "red flags export": ("object_page", lambda a: reverse("coverage:flags", args=[a.region.code])
                         + "?export=uncertified&format=csv"),
    "duties": ("object_page", lambda a: reverse("coverage:duties", args=[a.region.code])),
    "duties figures export": ("object_page", lambda a: reverse("coverage:duties", args=[a.region.code])
                              + "?export=duties&format=xlsx"),
    "duties behind CSV (streamed)": ("object_page", lambda a: reverse("coverage:duties", args=[a.region.code])
                                     + "?export=behind&format=csv"),
    "duties red flags XLSX": ("object_page", lambda a: reverse("coverage:duties", args=[a.region.code])
                              + "?export=red_flags&format=xlsx"),
    "duties entry": ("redirect", lambda a: reverse("coverage:duties_home")),
    "committee": ("object_page", lambda a: reverse("coverage:committee", args=[a.committee.pk])),
    "committee export": ("object_page", lambda a: reverse("coverage:committee", args=[a.committee.pk])
                         + "?export=coverage&format=csv"),
    "person": ("object_page", lambda a: reverse("coverage:person", args=[a.members[1].pk])),
    "API region coverage": ("api_object", lambda a: f"/api/v1/coverage/regions/{a.region.code}/"),
    "API my progress": ("me", lambda a: "/api/v1/me/progress/"),
}


@pytest.mark.parametrize("url_name", URLS)
def test_every_coverage_url_every_role_inside_and_outside(client, world, url_name):  # noqa: F811
    kind, build = URLS[url_name]
    wrong = matrix_problems(
        client, world, request=lambda area: client.get(build(area)),
        status=lambda role, inside: expected_status(kind, role, inside),
        forbidden=lambda role, area: world.forbidden_names(role))
    assert not wrong, "\n".join(wrong)


def test_region_coverage_api_counts_the_region(client, world):  # noqa: F811
    login(client, world, "county")
    data = client.get(f"/api/v1/coverage/regions/{world.areas['甲'].region.code}/").json()
    assert data["total"]["headcount"] == 3  # two members and 甲二信息员
    assert [row["name"] for row in data["rows"]] == ["甲家村人民调解委员会"]
    login(client, world, "mediator")
    progress = client.get("/api/v1/me/progress/").json()
    assert progress["target"] == 20 and progress["modules"] == []
