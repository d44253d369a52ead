from datetime import date

import pytest
from django.db import IntegrityError, transaction

from people.models import Committee, Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_only_industry_committees_have_a_specialty(county):
    with pytest.raises(IntegrityError), transaction.atomic():
        Committee.objects.create(name="甲", region=county, kind=Committee.Kind.VILLAGE, specialty="labor")
    with pytest.raises(IntegrityError), transaction.atomic():
        Committee.objects.create(name="乙", region=county, kind=Committee.Kind.INDUSTRY, specialty="")
    Committee.objects.create(name="丙", region=county, kind=Committee.Kind.INDUSTRY, specialty="labor")


def test_committee_names_are_unique_within_a_region(county):
    Committee.objects.create(name="甲", region=county, kind=Committee.Kind.VILLAGE)
    with pytest.raises(IntegrityError):
        Committee.objects.create(name="甲", region=county, kind=Committee.Kind.COMMUNITY)


def test_one_open_membership_per_person_and_committee():
    membership = factories.MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(person=membership.person, committee=membership.committee, role="informant")
    membership.left_on = date(2025, 1, 1)
    membership.save()
    Membership.objects.create(person=membership.person, committee=membership.committee, role="informant",
                              joined_on=date(2025, 2, 1))


def test_membership_cannot_end_before_it_began():
    membership = factories.MembershipFactory(joined_on=date(2024, 5, 1))
    membership.left_on = date(2024, 4, 1)
    with pytest.raises(IntegrityError):
        membership.save()


def test_phone_must_be_a_mainland_mobile_number():
    with pytest.raises(IntegrityError):
        factories.UserFactory(phone="12345")


def test_active_memberships_exclude_those_who_left():
    active = factories.MembershipFactory()
    factories.MembershipFactory(left_on=date(2024, 6, 1))
    assert list(Membership.objects.active()) == [active]
