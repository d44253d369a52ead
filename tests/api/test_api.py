"""The REST API: roster read for bureau systems, the caller's own profile, tokens, docs, throttling."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.throttling import AnonRateThrottle

from people import national_id
from people.models import Membership, User
from people.services.organisation import person_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def township(townships):
    return townships[0]


@pytest.fixture
def staff(client, township):
    user = factories.bureau_staff(jurisdiction=township)
    client.force_login(user)
    return user


def test_members_are_masked_and_show_only_memberships_inside_the_jurisdiction(client, staff, township, townships):
    number = national_id.with_check_digit("15062119800101123")
    person = person_create(username="zhang", name="张秀兰", phone="13904771234", national_id_number=number)
    inside = factories.CommitteeFactory(region=township, name="甲镇人民调解委员会")
    outside = factories.CommitteeFactory(region=townships[1], name="乙镇人民调解委员会")
    factories.MembershipFactory(person=person, committee=inside)
    factories.MembershipFactory(person=person, committee=outside, role=Membership.Role.INFORMANT)
    body = client.get("/api/v1/members/").json()
    assert body["count"] == 1
    member = body["results"][0]
    assert member["phone"] == "139****1234" and member["national_id"] == "150621********123" + number[-1]
    assert [m["committee"]["name"] for m in member["memberships"]] == ["甲镇人民调解委员会"]
    text = client.get(f"/api/v1/members/{person.pk}/").content.decode()
    assert "13904771234" not in text and number not in text and "乙镇" not in text


def test_filters_and_bad_parameters(client, staff, township):
    village = township.get_children().first()
    committee = factories.CommitteeFactory(region=village, kind="community", name="一村社区调委会")
    factories.mediator(committee=committee, name="在任调解员")
    factories.MembershipFactory(committee=committee, person=factories.UserFactory(name="已离任"),
                                joined_on="2020-01-01", left_on="2023-01-01")
    factories.mediator(committee=factories.CommitteeFactory(region=township), name="镇上调解员")

    def names(url):
        return sorted(item["name"] for item in client.get(url).json()["results"])

    assert names(f"/api/v1/members/?committee={committee.pk}") == sorted(["已离任", "在任调解员"])
    assert names(f"/api/v1/members/?committee={committee.pk}&active=true") == ["在任调解员"]
    assert names(f"/api/v1/members/?committee={committee.pk}&active=false") == ["已离任"]
    assert names(f"/api/v1/members/?region={village.code}") == sorted(["已离任", "在任调解员"])
    assert names("/api/v1/committees/?kind=community") == ["一村社区调委会"]
    assert client.get(f"/api/v1/committees/{committee.pk}/").json()["active_members"] == 1
    assert names(f"/api/v1/regions/?parent={township.code}") == [village.name]
    assert client.get(f"/api/v1/regions/{village.pk}/").json()["parent_code"] == township.code
    assert names("/api/v1/members/?region=999999") == []
    for bad in ("/api/v1/members/?committee=abc", "/api/v1/members/?active=maybe", "/api/v1/committees/?kind=x",
                "/api/v1/members/?page=99", "/api/v1/members/?committee=-1"):
        assert client.get(bad).status_code in (400, 404), bad


def test_lists_are_paginated(client, staff, township):
    committee = factories.CommitteeFactory(region=township)
    for _i in range(7):
        factories.mediator(committee=committee)
    body = client.get("/api/v1/members/?page_size=5").json()
    assert body["count"] == 7 and len(body["results"]) == 5 and "page=2" in body["next"]
    assert len(client.get("/api/v1/members/?page_size=5&page=2").json()["results"]) == 2


def test_the_member_list_runs_a_constant_number_of_queries(client, staff, township, django_assert_num_queries):
    committee = factories.CommitteeFactory(region=township)
    grade = factories.GradeFactory(rank=3, name="三级调解员")
    for size in (3, 30):
        while Membership.objects.count() < size:
            factories.MembershipFactory(committee=committee, grade=grade)
        # the session with its user, groups, jurisdiction; count, page, memberships (prefetched)
        with django_assert_num_queries(6):
            assert len(client.get("/api/v1/members/?page_size=100").json()["results"]) == size


def test_me_shows_the_learner_their_own_profile_and_memberships(client, township):
    learner = factories.mediator(committee=factories.CommitteeFactory(region=township, name="甲村调委会"),
                                 name="李桂英", phone="13800001111")
    factories.MembershipFactory(person=learner, joined_on="2019-01-01", left_on="2020-01-01",
                                role=Membership.Role.INFORMANT)
    client.force_login(learner)
    body = client.get("/api/v1/me/").json()
    assert body["name"] == "李桂英" and body["phone"] == "138****1111" and body["roles"] == ["mediator"]
    assert len(body["memberships"]) == 2 and body["memberships"][0]["active"] is True
    assert body["jurisdiction"] is None


def test_me_names_staff_roles(client, township):
    staff = factories.bureau_staff(jurisdiction=township)
    client.force_login(staff)
    body = client.get("/api/v1/me/").json()
    assert body["roles"] == ["bureau_staff"] and body["jurisdiction"]["code"] == township.code
    client.force_login(factories.administrator())
    assert client.get("/api/v1/me/").json()["roles"] == ["administrator"]


def test_a_system_account_reads_the_roster_with_its_token(client, township):
    factories.mediator(committee=factories.CommitteeFactory(region=township), name="王建国")
    out = StringIO()
    call_command("api_token", "grid-platform", "--system", "--name", "网格化管理平台", "--jurisdiction", township.code,
                 stdout=out)
    key = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    account = User.objects.get(username="grid-platform")
    assert not account.has_usable_password() and account.jurisdiction == township

    response = client.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["results"][0]["name"] == "王建国"
    assert client.get("/api/v1/members/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    anonymous = client.get("/api/v1/members/")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"

    # the same command again prints the same token; --rotate replaces it
    again = StringIO()
    call_command("api_token", "grid-platform", stdout=again)
    assert again.getvalue().strip() == key
    call_command("api_token", "grid-platform", "--rotate", stdout=StringIO())
    assert client.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_person_cannot_be_turned_into_a_system_account(township):
    factories.UserFactory(username="zhang")
    with pytest.raises(CommandError, match="zhang"):
        call_command("api_token", "zhang", "--system", "--jurisdiction", township.code, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", "nobody", stdout=StringIO())


def test_the_docs_load_nothing_from_the_internet(client):
    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    # Swagger UI's start-up script comes from the docs view itself (script-src 'self', no inline script).
    assert assets and all(url.startswith(("/static/", "/api/docs/?script")) for url in assets), assets
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "cdn" not in page and "https://" not in page
    for url in assets:
        assert client.get(url).status_code == 200, url
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/members/" in schema and "/admin/api/" not in schema and "tokenAuth" in schema


def test_anonymous_use_is_throttled(client, monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    statuses = [client.get("/api/schema/").status_code for _i in range(4)]
    assert statuses == [200, 200, 200, 429]
