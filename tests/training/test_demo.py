from io import StringIO

import pytest

from assessments import demo as assessments_demo
from assessments.demo import INFORMANT_EXAM
from certificates import demo as certificates_demo
from courses import demo as courses_demo
from grading.selectors import archive
from people import demo as people_demo
from people.models import User
from training import demo, selectors
from training.models import AnnualReview, ReviewRun, TrainingDuty

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_banners_duties_a_done_2025_review_and_a_2026_one_in_progress():
    for app in (people_demo, courses_demo, assessments_demo, certificates_demo, demo):
        app.seed(StringIO())
    assert set(TrainingDuty.objects.values_list("name", "kind")) == {
        ("岗前培训10学时", "prejob"), ("年度培训20学时", "annual"), ("其中法律知识6学时", "annual"),
        ("新法专题学习", "triggered")}
    done = ReviewRun.objects.get(year=2025)
    assert done.status == ReviewRun.Status.DONE and done.result["passed"] > 0
    assert not AnnualReview.objects.filter(year=2025, outcome="pending").exists()
    in_progress = ReviewRun.objects.get(year=2026, program__slug="mediator")
    assert in_progress.status == ReviewRun.Status.PREVIEW
    assert AnnualReview.objects.filter(year=2026, outcome="pending", certificate__program__slug="mediator").count(
        ) == done.result["passed"]
    # The informants' card is reviewed with a yearly exam: its preview names who has not passed it this year.
    informants = ReviewRun.objects.get(year=2026, program__slug="informant")
    assert informants.program.review_exam.title == INFORMANT_EXAM
    preview = selectors.review_preview(run=informants)
    assert preview["passing_count"] and preview["failing_count"]
    assert all(line.exam and not line.exam.passed for line in preview["failing"])
    # Scenario and exam hours, in the demo people's archives.
    for username, attribute in (("mediator", "runs"), ("informant", "attempts")):
        year = archive(person=User.objects.get(username=username)).years[0]
        assert any(record.counted_hours for record in getattr(year, attribute)), username
    mediator = User.objects.get(username="mediator")
    assert {p.duty.name for p in selectors.learner_duties(user=mediator)} >= {"年度培训20学时", "新法专题学习"}
    counts = (TrainingDuty.objects.count(), ReviewRun.objects.count(), AnnualReview.objects.count())
    demo.seed(StringIO())
    assert (TrainingDuty.objects.count(), ReviewRun.objects.count(), AnnualReview.objects.count()) == counts
