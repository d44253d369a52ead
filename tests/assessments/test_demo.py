from io import StringIO

import pytest

from assessments import demo
from assessments.models import Attempt, Question, Quiz
from people import demo as people_demo
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_builds_a_real_bank_exams_and_attempts_and_a_rerun_changes_nothing():
    module = factories.course_module(title="人民调解法及配套规定解读", slug="mediation-law")
    people_demo.seed(StringIO())
    demo.seed(StringIO())
    counts = (Question.objects.count(), Quiz.objects.count(), Attempt.objects.count())
    assert counts[0] >= 150
    assert set(Question.objects.values_list("kind", flat=True)) == set(Question.Kind.values)
    assert Quiz.objects.filter(title=demo.MEDIATOR_EXAM, audience=Quiz.Audience.MEDIATORS).exists()
    assert Quiz.objects.filter(title=demo.INFORMANT_EXAM, audience=Quiz.Audience.INFORMANTS).exists()
    assert module.quizzes.get().kind == Quiz.Kind.PRACTICE
    assert Attempt.objects.filter(status=Attempt.Status.AWAITING_GRADING).count() == 3
    assert Attempt.objects.filter(passed=False).exists() and Attempt.objects.filter(passed=True).exists()
    demo.seed(StringIO())
    assert (Question.objects.count(), Quiz.objects.count(), Attempt.objects.count()) == counts
