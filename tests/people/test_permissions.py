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
