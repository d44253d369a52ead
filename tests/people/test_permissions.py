import pytest

from people import permissions
from tests import factories

pytestmark = pytest.mark.django_db


def test_bureau_staff_see_only_their_subtree(county, townships):
    mine, other = townships
    staff = factories.bureau_staff(jurisdiction=mine)
    inside = factories.CommitteeFactory(region=mine.get_children().first())
    outside = factories.CommitteeFactory(region=other)
    assert set(permissions.committees_visible_to(staff)) == {inside}
    assert permissions.can_see_region(staff, mine) and not permissions.can_see_region(staff, other)
    assert not permissions.can_see_region(staff, county)
    assert permissions.can_manage_committee(staff, inside) and not permissions.can_manage_committee(staff, outside)


def test_people_visibility(county, townships):
    mine, other = townships
    staff = factories.bureau_staff(jurisdiction=mine)
    near = factories.mediator(committee=factories.CommitteeFactory(region=mine))
    far = factories.mediator(committee=factories.CommitteeFactory(region=other))
    assert set(permissions.people_visible_to(staff)) == {near, staff}
    assert permissions.can_see_person(staff, near) and not permissions.can_see_person(staff, far)
    assert list(permissions.people_visible_to(far)) == [far]


def test_administrators_see_everything_learners_see_no_region(county):
    admin = factories.administrator()
    learner = factories.mediator(committee=factories.CommitteeFactory(region=county))
    assert permissions.regions_visible_to(admin).count() == 5
    assert permissions.regions_visible_to(learner).count() == 0
    assert permissions.is_learner(learner) and not permissions.is_bureau_staff(learner)


def test_a_lecturer_is_not_bureau_staff_nor_learner():
    lecturer = factories.lecturer()
    assert permissions.is_lecturer(lecturer) and permissions.can_use_admin(lecturer)
    assert not permissions.is_bureau_staff(lecturer) and not permissions.is_learner(lecturer)


@pytest.mark.parametrize(("joined", "left", "active"), [
    (-30, None, True), (0, None, True), (1, None, False),  # joined today counts; joining tomorrow does not yet
    (-30, 1, True), (-30, 0, False), (-30, -1, False),  # left today or before: no longer
])
def test_the_roles_read_is_the_orms_active_memberships_and_groups(joined, left, active):
    """``_read_roles`` reads the learner roles and staff groups in one statement built once; it must give what
    ``Membership.objects.active()`` and ``user.groups`` give (the membership rule lives in the queryset)."""
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from people.models import Membership

    today = timezone.localdate()
    person = factories.UserFactory()
    factories.MembershipFactory(person=person, role=Membership.Role.INFORMANT, joined_on=today + timedelta(joined),
                                left_on=None if left is None else today + timedelta(left))
    factories.MembershipFactory(person=person, role=Membership.Role.MEDIATOR, joined_on=today - timedelta(400),
                                left_on=today - timedelta(200))  # an old stint: never counts
    person.groups.add(Group.objects.get_or_create(name="Lecturers")[0])
    factories.lecturer()  # another person's group is not theirs
    permissions._read_roles(person)
    orm_roles = frozenset(Membership.objects.active().filter(person=person).values_list("role", flat=True))
    assert person._learner_roles == orm_roles == (frozenset({"informant"}) if active else frozenset())
    assert person._staff_group_names == frozenset(person.groups.values_list("name", flat=True)) == {"Lecturers"}
    assert permissions.is_learner(person) is active and permissions.is_lecturer(person)
