"""The learner's home (issue 17): continue where I stopped, sessions in my township, new modules."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


def test_continue_with_the_next_unfinished_lesson_of_the_module_last_studied():
    person = factories.mediator()
    first_module, second_module = factories.course_module(), factories.course_module(title="调解技巧")
    a1, a2 = factories.lesson(module=first_module, title="甲一"), factories.lesson(module=first_module, title="甲二")
    b1, b2 = factories.lesson(module=second_module, title="乙一"), factories.lesson(module=second_module, title="乙二")
    assert selectors.next_lesson(user=person) == (None, None)
    services.enrolment_create(person=person, module=second_module)
    assert selectors.next_lesson(user=person) == (b1, second_module)
    services.lesson_complete(person=person, lesson=a1)  # studied most recently: the first module
    assert selectors.next_lesson(user=person) == (a2, first_module)
    services.lesson_complete(person=person, lesson=a2)  # first module completed: back to the open enrolment
    assert selectors.next_lesson(user=person) == (b1, second_module)
    services.lesson_complete(person=person, lesson=b2)  # out of order: the earlier lesson is still to do
    assert selectors.next_lesson(user=person) == (b1, second_module)


def test_upcoming_sessions_are_those_of_my_township_with_my_sign_up(townships):
    mine, other = townships
    committee = factories.CommitteeFactory(region=mine.get_children().get())
    person = factories.mediator(committee=committee)
    module = factories.course_module()
    here = factories.rotation_session(township=mine, modules=[module], title="本镇轮训")
    factories.rotation_session(township=other, modules=[module], title="外镇轮训")
    factories.rotation_session(township=mine, modules=[module], title="已结束",
                               starts_at=timezone.now() - datetime.timedelta(days=3))
    steps = selectors.next_steps(user=person)
    assert steps.sessions == [here] and steps.signed_up == set()
    services.session_sign_up(session=here, person=person)
    assert selectors.next_steps(user=person).signed_up == {here.pk}


def test_new_modules_leave_out_those_i_enrolled_in():
    person = factories.mediator()
    old, new = factories.course_module(title="旧模块"), factories.course_module(title="新模块")
    services.enrolment_create(person=person, module=new)
    assert selectors.next_steps(user=person).new_modules == [old]


def test_learner_home_shows_the_panel_in_a_constant_number_of_queries(client, townships, count_queries):
    township = townships[0]
    person = factories.mediator(committee=factories.CommitteeFactory(region=township.get_children().get()))
    client.force_login(person)
    url = reverse("people:learner_home")

    def grow():
        module = factories.course_module()
        first = factories.lesson(module=module)
        factories.lesson(module=module, title="下一课")
        services.lesson_complete(person=person, lesson=first)
        factories.rotation_session(township=township, modules=[module])

    grow()
    client.get(url)  # warm caches (site root, settings) so both counts see the same state
    small = count_queries(lambda: client.get(url))
    for _ in range(4):
        grow()
    page = client.get(url).content.decode()
    assert count_queries(lambda: client.get(url)) == small
    assert 'data-testid="continue"' in page and "下一课" in page
    assert page.count('data-testid="upcoming-session"') == 3
