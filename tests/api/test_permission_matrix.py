"""Every roster-import and API URL × every role × inside/outside the jurisdiction → the expected status, and no
response body names anything outside what the role may see.

The world: county 东旗 with townships 甲镇 and 乙镇, and another county 西旗; each area has a committee, two
members and a roster import. Township staff work in 甲镇, county staff in 东旗. "Inside" is 甲镇 for everyone;
"outside" is 乙镇 for township staff and 西旗 for the others (an administrator has no outside)."""

import io
import json
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import JsonResponse
from django.urls import reverse

from grading.models import CaseFigures
from people.models import RosterImport
from people.services.roster_import import roster_import_upload
from tests import factories
from tests.people.roster_files import csv_bytes, row

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "mediator", "informant", "lecturer", "township", "county", "administrator"]
STAFF = {"township", "county", "administrator"}


@dataclass
class Area:
    region: object
    village: object
    committee: object
    members: list
    roster_import: RosterImport
    names: set[str] = field(default_factory=set)


@dataclass
class World:
    areas: dict[str, Area]
    users: dict[str, object]

    def inside(self, role: str) -> Area:
        return self.areas["甲"]

    def outside(self, role: str) -> Area:
        return self.areas["乙" if role == "township" else "西"]

    def forbidden_names(self, role: str) -> set[str]:
        """Names the role must never see in a response."""
        if role == "administrator":
            return set()
        if role == "county":
            return self.areas["西"].names
        if role == "township":
            return self.areas["乙"].names | self.areas["西"].names
        # learners, lecturers, strangers: nobody else's roster (a learner's own committee is theirs to see)
        own = self.areas["甲"]
        return self.areas["乙"].names | self.areas["西"].names | {own.members[1].name, own.roster_import.file_name}


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    east = factories.region(name="东旗")
    west = factories.region(name="西旗")
    places = {"甲": factories.region(parent=east, name="甲镇"), "乙": factories.region(parent=east, name="乙镇"),
              "西": west}
    uploader = {key: factories.bureau_staff(jurisdiction=place, name=f"{key}上传员") for key, place in places.items()}
    areas = {}
    for key, place in places.items():
        village = factories.region(parent=place, name=f"{key}家村")
        committee = factories.CommitteeFactory(region=village, name=f"{key}家村人民调解委员会")
        members = [factories.mediator(committee=committee, name=f"{key}调解员", phone="13900000001"),
                   factories.informant(committee=committee, name=f"{key}信息员")]
        CaseFigures.objects.create(person=members[0], year=2025, cases_mediated=30, cases_successful=28,
                                   source=CaseFigures.Source.API)
        roster_import = roster_import_upload(
            user=uploader[key], file_name=f"{key}地名册.csv", data=csv_bytes([row(village, name=f"{key}新人")]))
        assert roster_import.status == RosterImport.Status.VALIDATED, roster_import.errors
        area = Area(region=place, village=village, committee=committee, members=members, roster_import=roster_import)
        area.names = {village.name, committee.name, *(m.name for m in members), roster_import.file_name,
                      f"{key}新人", uploader[key].name}
        areas[key] = area
    users = {
        "anonymous": None,
        "mediator": areas["甲"].members[0],
        "informant": factories.informant(committee=areas["甲"].committee, name="甲二信息员"),
        "lecturer": factories.lecturer(name="讲师甲"),
        "township": factories.bureau_staff(jurisdiction=places["甲"], name="甲镇干部"),
        "county": factories.bureau_staff(jurisdiction=east, name="东旗干部"),
        "administrator": factories.administrator(name="管理员"),
    }
    return World(areas=areas, users=users)


# URL kinds and the status each role gets. "object" kinds depend on whether the object is inside.
def expected(kind: str, role: str, inside: bool) -> int:
    staff_status = 200 if inside or role == "administrator" else 404
    if kind == "public":
        return 200
    if kind in ("page", "object_page"):
        if role == "anonymous":
            return 302
        if role not in STAFF:
            return 403
        return 200 if kind == "page" else staff_status
    if kind == "action":  # a POST that redirects when allowed
        if role == "anonymous":
            return 302
        if role not in STAFF:
            return 403
        return 302 if staff_status == 200 else 404
    if kind == "me":
        return 401 if role == "anonymous" else 200
    # API lists and objects
    if role == "anonymous":
        return 401
    if role not in STAFF:
        return 403
    return 200 if kind == "api_list" else staff_status


# name → (kind, method, URL builder given the area)
URLS = {
    "import page": ("page", "get", lambda a: reverse("people:roster_import")),
    "CSV template": ("page", "get", lambda a: reverse("people:roster_template", args=["csv"])),
    "XLSX template": ("page", "get", lambda a: reverse("people:roster_template", args=["xlsx"])),
    "import detail": ("object_page", "get", lambda a: reverse("people:roster_import_detail",
                                                              args=[a.roster_import.pk])),
    "import status": ("object_page", "get", lambda a: reverse("people:roster_import_status",
                                                              args=[a.roster_import.pk])),
    "import confirm": ("action", "post", lambda a: reverse("people:roster_import_confirm",
                                                           args=[a.roster_import.pk])),
    "regions": ("api_list", "get", lambda a: "/api/v1/regions/"),
    "regions below": ("api_list", "get", lambda a: f"/api/v1/regions/?parent={a.region.code}"),
    "region": ("api_object", "get", lambda a: f"/api/v1/regions/{a.village.pk}/"),
    "committees": ("api_list", "get", lambda a: "/api/v1/committees/"),
    "committees in a region": ("api_list", "get", lambda a: f"/api/v1/committees/?region={a.region.code}"),
    "committee": ("api_object", "get", lambda a: f"/api/v1/committees/{a.committee.pk}/"),
    "members": ("api_list", "get", lambda a: "/api/v1/members/"),
    "members of a committee": ("api_list", "get", lambda a: f"/api/v1/members/?committee={a.committee.pk}"),
    "member": ("api_object", "get", lambda a: f"/api/v1/members/{a.members[1].pk}/"),
    "me": ("me", "get", lambda a: "/api/v1/me/"),
    "case figures": ("api_list", "get", lambda a: "/api/v1/case-figures/"),
    "case figures of a member": ("api_list", "get", lambda a: f"/api/v1/case-figures/?person={a.members[0].pk}"),
    "grading rounds": ("page", "get", lambda a: reverse("grading:rounds")),
    "case figures import": ("page", "get", lambda a: reverse("grading:case_figures")),
    "committee archives": ("page", "get", lambda a: reverse("grading:archive_exports")),
    "schema": ("public", "get", lambda a: "/api/schema/"),
    "docs": ("public", "get", lambda a: "/api/docs/"),
}


def login(client, world, role):
    client.logout()
    if world.users[role] is not None:
        client.force_login(world.users[role])


def readable_body(response) -> str:
    """The response's text as a person would read it: an XLSX (compressed) as the text of its cells, JSON with its
    escaped characters decoded (``JsonResponse`` writes 甲 as \\u7532), anything else as it is."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/vnd.openxmlformats-officedocument.spreadsheetml"):
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    if "json" in content_type:
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode(errors="replace")


def matrix_problems(client, world, *, request, status, forbidden) -> list[str]:
    """Every role, inside and outside its area: ``request(area)`` must answer ``status(role, inside)`` and its body
    must name nothing in ``forbidden(role, area)``. Returns what went wrong, in words (the matrix tests of every
    app share this loop)."""
    wrong = []
    for role in ROLES:
        login(client, world, role)
        for where in ("inside", "outside"):
            area = world.inside(role) if where == "inside" else world.outside(role)
            response = request(area)
            want = status(role, where == "inside")
            if response.status_code != want:
                wrong.append(f"{role} {where}: {response.status_code}, expected {want}")
            body = readable_body(response)
            if leaked := {name for name in forbidden(role, area) if name in body}:
                wrong.append(f"{role} {where}: the response names {sorted(leaked)}")
    return wrong


@pytest.mark.parametrize("url_name", URLS)
def test_every_url_every_role_inside_and_outside(client, world, url_name):
    kind, method, build = URLS[url_name]
    wrong = matrix_problems(
        client, world, request=lambda area: getattr(client, method)(build(area)),
        status=lambda role, inside: expected(kind, role, inside),
        forbidden=lambda role, area: world.forbidden_names(role))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_uploading_a_roster_inside_and_outside_the_jurisdiction(client, world, role):
    """An upload is only for bureau staff; rows outside the uploader's jurisdiction refuse the file."""
    login(client, world, role)
    for where in ("inside", "outside"):
        area = world.inside(role) if where == "inside" else world.outside(role)
        before = RosterImport.objects.count()
        data = csv_bytes([row(area.village, name="新来的调解员")])
        response = client.post(reverse("people:roster_import"), {"file": SimpleUploadedFile("名册.csv", data)})
        if role not in STAFF:
            assert response.status_code == (302 if role == "anonymous" else 403)
            assert RosterImport.objects.count() == before
            continue
        record = RosterImport.objects.latest("pk")
        assert response.status_code == 302 and response["Location"].endswith(f"/{record.pk}/")
        allowed = where == "inside" or role == "administrator"
        assert record.status == (RosterImport.Status.VALIDATED if allowed else RosterImport.Status.REFUSED), role
        page = client.get(response["Location"]).content.decode()
        assert not {name for name in world.forbidden_names(role) if name in page}


def test_the_leak_check_reads_spreadsheets_and_escaped_json(client, world):
    """What the matrix looks for in a body is found in an XLSX and in a ``JsonResponse`` (escaped) as well."""
    login(client, world, "county")
    inside = world.areas["甲"]
    export = client.get(reverse("coverage:committee", args=[inside.committee.pk]), {"export": "coverage"})
    assert inside.members[1].name.encode() not in export.content  # compressed: invisible to a plain search
    assert inside.members[1].name in readable_body(export)
    status = client.get(reverse("people:roster_import_status", args=[inside.roster_import.pk]))
    assert isinstance(status, JsonResponse) and "甲".encode() not in status.content
    assert inside.roster_import.get_status_display() in readable_body(status)


def test_a_staff_list_shows_exactly_the_jurisdiction(client, world):
    """The matrix checks nothing leaks; this checks nothing is missing either."""
    login(client, world, "county")
    names = {m["name"] for m in client.get("/api/v1/members/?page_size=200").json()["results"]}
    expected_names = {m.name for key in ("甲", "乙") for m in world.areas[key].members} | {"甲二信息员"}
    assert names == expected_names
    page = client.get(reverse("people:roster_import")).content.decode()
    assert "甲地名册.csv" in page and "乙地名册.csv" in page and "西地名册.csv" not in page
