import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from people.models import Membership, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_site_speaks_chinese_by_default_even_to_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_language_switcher_turns_the_site_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


def test_each_role_is_sent_to_its_own_home(client, county):
    cases = [
        (factories.mediator(), reverse("people:learner_home")),
        (factories.informant(), reverse("people:learner_home")),
        (factories.bureau_staff(jurisdiction=county), reverse("people:bureau_home")),
        (factories.lecturer(), reverse("wagtailadmin_home")),
        (factories.UserFactory(), reverse("people:profile")),
    ]
    for user, expected in cases:
        client.force_login(user)
        assert client.get(reverse("people:home"))["Location"] == expected, user


@pytest.mark.parametrize("url_name", ["people:learner_home", "people:bureau_home", "people:profile"])
def test_homes_need_a_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_learner_cannot_open_the_bureau_home_and_gets_a_chinese_403(client):
    client.force_login(factories.mediator())
    response = client.get(reverse("people:bureau_home"))
    assert response.status_code == 403
    assert "您无权访问此页面" in response.content.decode()


def test_bureau_staff_cannot_open_a_learner_home(client, county):
    client.force_login(factories.bureau_staff(jurisdiction=county))
    assert client.get(reverse("people:learner_home")).status_code == 403


def test_learner_home_lists_active_committees_only(client):
    person = factories.mediator()
    old = factories.MembershipFactory(person=person, left_on="2024-06-01", joined_on="2020-01-01")
    client.force_login(person)
    page = client.get(reverse("people:learner_home")).content.decode()
    active = person.memberships.get(left_on__isnull=True)
    assert active.committee.name in page and old.committee.name not in page


def test_bureau_home_counts_its_subtree_in_a_constant_number_of_queries(client, county, townships, count_queries):
    staff = factories.bureau_staff(jurisdiction=county)
    first, second = townships
    for _n in range(3):
        factories.mediator(committee=factories.CommitteeFactory(region=first), gender=User.Gender.MALE)
    committee = factories.CommitteeFactory(region=second.get_children().first())
    factories.informant(committee=committee)
    factories.MembershipFactory(committee=committee, left_on="2024-12-31", joined_on="2020-01-01")  # left
    client.force_login(staff)
    response = client.get(reverse("people:bureau_home"))
    small = count_queries(lambda: client.get(reverse("people:bureau_home")))
    total = response.context["total"]
    assert (total.committees, total.mediators, total.informants, total.women) == (4, 3, 1, 1)
    rows = {row.region.name: (row.committees, row.mediators, row.informants) for row in response.context["children"]}
    assert rows == {first.name: (3, 3, 0), second.name: (1, 0, 1)}
    # Ten times the committees costs no more queries (panels of other apps included).
    for _n in range(30):
        factories.mediator(committee=factories.CommitteeFactory(region=first))
    # The coverage panel's kept figures are now out of date: the first view recomputes them (dashboard tests
    # count that); from the next view on, the page reads them again.
    client.get(reverse("people:bureau_home"))
    assert count_queries(lambda: client.get(reverse("people:bureau_home"))) == small <= 20


def test_township_staff_see_only_their_township(client, townships):
    first, second = townships
    factories.mediator(committee=factories.CommitteeFactory(region=first))
    factories.mediator(committee=factories.CommitteeFactory(region=second))
    client.force_login(factories.bureau_staff(jurisdiction=first))
    response = client.get(reverse("people:bureau_home"))
    assert response.context["total"].region == first
    assert response.context["total"].committees == 1


def test_profile_masks_phone_and_national_id(client):
    from people import national_id
    from people.services.organisation import person_create

    number = national_id.with_check_digit("15062119800101123")
    person = person_create(username="p", name="张三", phone="13912345678", national_id_number=number,
                                    password="x-pass-123")
    client.force_login(person)
    page = client.get(reverse("people:profile")).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert number not in page and number[-4:] in page


def test_password_reset_sends_the_link_by_email(client, django_capture_on_commit_callbacks):
    person = factories.UserFactory(email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "zhang@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang@example.com"]
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    new_password = {"new_password1": "Xin-mima-2026", "new_password2": "Xin-mima-2026"}
    client.post(response.redirect_chain[-1][0], new_password)
    person.refresh_from_db()
    assert person.check_password("Xin-mima-2026")


def test_logout_is_a_post(client):
    client.force_login(factories.mediator())
    # A link (a GET, which any page could embed as an image) does not sign anyone out.
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("people:learner_home")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    response = client.get(reverse("people:learner_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_404_page_is_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


class TestAdminScoping:
    def test_bureau_staff_list_and_edit_only_committees_in_their_region(self, client, townships):
        first, second = townships
        mine = factories.CommitteeFactory(region=first)
        theirs = factories.CommitteeFactory(region=second)
        client.force_login(factories.bureau_staff(jurisdiction=first))
        listing = client.get("/admin/snippets/people/committee/").content.decode()
        assert mine.name in listing and theirs.name not in listing
        assert client.get(f"/admin/snippets/people/committee/edit/{mine.pk}/").status_code == 200
        assert client.get(f"/admin/snippets/people/committee/edit/{theirs.pk}/").status_code in (302, 404)
        client.post(f"/admin/snippets/people/committee/edit/{theirs.pk}/", {
            "name": "改名", "region": second.pk, "kind": "village", "specialty": ""})
        theirs.refresh_from_db()
        assert theirs.name != "改名"

    def test_bureau_staff_cannot_create_a_committee_outside_their_region(self, client, townships):
        first, second = townships
        client.force_login(factories.bureau_staff(jurisdiction=first))
        response = client.post("/admin/snippets/people/committee/add/", {
            "name": "越界调委会", "region": second.pk, "kind": "village", "specialty": ""})
        assert response.status_code == 200  # the form comes back with an error
        assert not second.committees.exists()

    def test_bureau_staff_edit_memberships_only_in_their_region(self, client, townships):
        first, second = townships
        inside = factories.MembershipFactory(committee=factories.CommitteeFactory(region=first))
        outside = factories.MembershipFactory(committee=factories.CommitteeFactory(region=second))
        client.force_login(factories.bureau_staff(jurisdiction=first))

        def ended(membership):
            """The edit form as the page posts it, with the membership ended today."""
            membership.refresh_from_db()
            return {"person": membership.person_id, "committee": membership.committee_id, "role": membership.role,
                    "employment": membership.employment, "position": membership.position,
                    "grade": membership.grade_id or "", "joined_on": membership.joined_on.isoformat(),
                    "left_on": timezone.localdate().isoformat()}

        # The same form ends a membership inside the region (so the refusal below is not a bad form) …
        response = client.post(f"/admin/snippets/people/membership/edit/{inside.pk}/", ended(inside))
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Membership.objects.get(pk=inside.pk).left_on == timezone.localdate()
        # … but not outside it, whether opened or posted.
        assert client.get(f"/admin/snippets/people/membership/edit/{outside.pk}/").status_code in (302, 404)
        client.post(f"/admin/snippets/people/membership/edit/{outside.pk}/", ended(outside))
        assert Membership.objects.filter(pk=outside.pk, left_on__isnull=True).exists()

    def test_learners_cannot_reach_the_admin(self, client):
        client.force_login(factories.mediator())
        assert client.get("/admin/").status_code == 302

    def test_administrator_creates_a_user_with_one_name_field(self, client, county):
        client.force_login(factories.administrator(is_superuser=True))
        response = client.post("/admin/users/new/", {
            "username": "newbie", "name": "新调解员", "email": "n@example.com", "gender": "female",
            "phone": "13800001111", "password1": "Qiang-mima-2026", "password2": "Qiang-mima-2026",
            "is_active": "on"})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert User.objects.get(username="newbie").name == "新调解员"

    def test_administrator_adds_a_region_under_a_parent(self, client, county):
        client.force_login(factories.administrator(is_superuser=True))
        response = client.post("/admin/snippets/people/region/add/", {
            "parent": county.pk, "name": "新镇", "name_en": "", "code": "150621999", "level": "township"})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert county.get_children().filter(name="新镇").exists()


def test_the_demo_serves_the_sites_own_error_pages_not_djangos_debug_pages():
    """bin/demo runs the dev settings without DEBUG, so a mistyped address shows the Chinese 404 page above (with
    DEBUG Django would answer with its English debug page, 981 px wide on a phone)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    demo_debug = subprocess.run(["bash", "-c", 'eval "$(grep "^export DEBUG=" bin/demo)"; echo "$DEBUG"'],
                                cwd=root, env=env, capture_output=True, text=True, check=True).stdout.strip()
    settings_debug = subprocess.run(
        [sys.executable, "-c", "from config.settings import dev; print(dev.DEBUG)"], cwd=root,
        env={**env, "DEBUG": demo_debug}, capture_output=True, text=True, check=True).stdout.strip()
    assert (demo_debug, settings_debug) == ("False", "False")
