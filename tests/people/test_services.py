from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from people import national_id
from people.exceptions import PeopleError
from people.models import Membership, Region, User
from people.roles import StaffRole
from people.services.organisation import (
    membership_end,
    membership_start,
    person_create,
    person_set_national_id,
    region_add,
)
from people.services.staff import roles_sync, staff_role_grant, staff_role_revoke
from tests import factories

pytestmark = pytest.mark.django_db

VALID_ID = national_id.with_check_digit("15062119800101123")


def test_national_id_is_stored_hashed_and_masked_never_raw():
    person = person_create(username="zhang", name="张某", national_id_number=VALID_ID)
    person.refresh_from_db()
    assert person.national_id_masked == VALID_ID[:6] + "********" + VALID_ID[-4:]
    assert len(person.national_id_hash) == 64
    raw_values = [str(v) for v in User.objects.filter(pk=person.pk).values().first().values()]
    assert not any(VALID_ID in value for value in raw_values)


@pytest.mark.parametrize("bad, message", [
    ("12345", "应为18位"),
    ("150621198013011234", "出生日期"),
    (VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "校验位"),
])
def test_invalid_national_ids_are_refused_with_an_explanation(bad, message):
    with pytest.raises(ValidationError, match=message):
        national_id.normalize(bad)


def test_two_people_cannot_share_a_national_id():
    person_create(username="a", name="甲", national_id_number=VALID_ID)
    other = person_create(username="b", name="乙")
    with pytest.raises(ValidationError):
        person_set_national_id(person=other, number=VALID_ID.lower())


def test_leaving_a_committee_keeps_the_history():
    membership = factories.MembershipFactory(joined_on=date(2020, 1, 1))
    membership_end(membership=membership, left_on=date(2024, 12, 31))
    rejoined = membership_start(person=membership.person, committee=membership.committee,
                                         role=Membership.Role.MEDIATOR, joined_on=date(2025, 3, 1))
    assert Membership.objects.filter(person=membership.person).count() == 2
    assert rejoined.is_active and not Membership.objects.get(pk=membership.pk).is_active


def test_a_second_open_membership_is_refused_in_words():
    membership = factories.MembershipFactory()
    with pytest.raises(PeopleError):
        membership_start(person=membership.person, committee=membership.committee, role="informant")


def test_ending_twice_is_refused():
    membership = factories.MembershipFactory()
    membership_end(membership=membership)
    with pytest.raises(PeopleError):
        membership_end(membership=membership)


def test_bureau_staff_need_a_jurisdiction(county):
    user = factories.UserFactory()
    with pytest.raises(PeopleError):
        staff_role_grant(user=user, role=StaffRole.BUREAU_STAFF)
    staff_role_grant(user=user, role=StaffRole.BUREAU_STAFF, jurisdiction=county)
    assert user.groups.filter(name=StaffRole.BUREAU_STAFF).exists() and user.jurisdiction == county
    staff_role_revoke(user=user, role=StaffRole.BUREAU_STAFF)
    user.refresh_from_db()
    assert user.jurisdiction is None and not user.groups.exists()


def test_roles_sync_gives_each_group_its_permissions_and_is_idempotent():
    roles_sync()
    roles_sync()
    lecturers = Group.objects.get(name=StaffRole.LECTURER)
    assert lecturers.permissions.filter(codename="access_admin").exists()
    bureau = Group.objects.get(name=StaffRole.BUREAU_STAFF)
    assert bureau.permissions.filter(codename="change_committee").exists()
    assert not bureau.permissions.filter(codename="delete_region").exists()


def test_region_add_is_idempotent_by_code_and_tolerates_a_stale_parent():
    county = region_add(parent=None, name="旗", code="900000", level=Region.Level.COUNTY)
    stale = Region.objects.get(pk=county.pk)
    region_add(parent=county, name="一镇", code="900001", level=Region.Level.TOWNSHIP)
    region_add(parent=stale, name="二镇", code="900002", level=Region.Level.TOWNSHIP)
    again = region_add(parent=county, name="一镇", code="900001", level=Region.Level.TOWNSHIP)
    assert county.get_children().count() == 2 and again.code == "900001"
