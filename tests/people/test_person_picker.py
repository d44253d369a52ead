"""The person picker: server-side search by name / mobile / committee inside the jurisdiction, and the bureau
forms that pick people with it (assign a module, sign people up for a session, issue a certificate)."""

import datetime

import pytest
from django.urls import reverse

from courses.models import Enrolment
from people import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county, townships):
    village = townships[0].get_children()[0]
    inside = factories.CommitteeFactory(region=village, name="林原村调委会")
    outside = factories.CommitteeFactory(region=factories.region(name="别的旗"), name="外旗调委会")
    officer = factories.bureau_staff(jurisdiction=townships[0])
    zhang = factories.mediator(committee=inside, name="张秀英", phone="13804771234")
    li = factories.informant(committee=inside, name="李建国", phone="13904775678")
    stranger = factories.mediator(committee=outside, name="张外人", phone="13804779999")
    return {"officer": officer, "zhang": zhang, "li": li, "stranger": stranger, "inside": inside,
            "township": townships[0]}


@pytest.mark.parametrize("query,expected", [
    ("张", {"zhang"}), ("秀英", {"zhang"}), ("1234", {"zhang"}), ("138047", {"zhang"}),
    ("林原村", {"zhang", "li"}), ("外旗", set()), ("9999", set()), ("  ", set()),
])
def test_search_by_name_phone_or_committee_inside_the_jurisdiction(world, query, expected):
    found = selectors.people_search(user=world["officer"], query=query)
    assert {p.pk for p in found} == {world[key].pk for key in expected}


def test_the_search_endpoint_labels_people_with_committee_and_masked_phone(client, world):
    client.force_login(world["officer"])
    data = client.get(reverse("people:person_search"), {"q": "张"}).json()
    assert data == {"results": [{"id": world["zhang"].pk, "label": "张秀英 · 林原村调委会 · 138****1234"}]}
    client.force_login(world["zhang"])
    assert client.get(reverse("people:person_search"), {"q": "张"}).status_code == 403


def test_assigning_a_module_picks_people_by_id_and_refuses_outsiders(client, world):
    module = factories.course_module()
    client.force_login(world["officer"])
    page = client.get(reverse("courses:assign")).content.decode()
    assert 'data-testid="person-picker-people"' in page and "person-picker.js" in page
    assert "张秀英" not in page  # the jurisdiction's people are searched, never listed in the page
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    refused = client.post(reverse("courses:assign"), {
        "module": module.pk, "due_on": due, "people": [world["zhang"].pk, world["stranger"].pk]})
    assert refused.status_code == 200 and not Enrolment.objects.exists()
    page = refused.content.decode()
    assert "张秀英 · 138****1234" in page  # the chosen stay chosen on the re-displayed form
    done = client.post(reverse("courses:assign"), {
        "module": module.pk, "due_on": due, "people": [world["zhang"].pk, world["li"].pk]})
    assert done.status_code == 302
    assert set(Enrolment.objects.values_list("person_id", flat=True)) == {world["zhang"].pk, world["li"].pk}


def test_signing_people_up_for_a_session_uses_the_picker(client, world):
    from courses.models import SessionSignup

    session = factories.rotation_session(township=world["township"], modules=[factories.course_module()])
    client.force_login(world["officer"])
    url = reverse("courses:session", args=[session.pk])
    assert 'data-testid="person-picker-people"' in client.get(url).content.decode()
    assert client.post(url, {"people": [world["li"].pk]}).status_code == 302
    assert list(SessionSignup.objects.values_list("person_id", flat=True)) == [world["li"].pk]


def test_issuing_a_certificate_finds_the_holder_by_phone_or_committee(client, world):
    client.force_login(world["officer"])
    page = client.get(reverse("certificates:bureau_issue"), {"q": "5678"}).content.decode()
    assert "李建国" in page and "林原村调委会 · 139****5678" in page and "张秀英" not in page
