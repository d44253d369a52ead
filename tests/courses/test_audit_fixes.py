"""Issue #18's fixes on the learning side: date inputs, the scenario's feedback and debrief, attendance, pickers."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from courses import services
from courses.forms import AssignModuleForm, ReportPeriodForm, SessionForm
from courses.models import ScenarioRun, SessionAttendance
from courses.scenario_graph import ChoiceQuality, choice_quality, graph_from_stream, steps_to_end
from tests import factories

pytestmark = pytest.mark.django_db


# --- 2. Date inputs carry ISO values whatever the language (a browser shows nothing else)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_and_datetime_inputs_render_iso_values(language, county):
    staff = factories.bureau_staff(jurisdiction=county)
    with translation.override(language):
        report = str(ReportPeriodForm(initial={"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 3, 9)}))
        session = str(SessionForm(user=staff, initial={"starts_at": datetime.datetime(2026, 4, 5, 9, 30)}))
        assign = str(AssignModuleForm(user=staff, initial={"due_on": datetime.date(2026, 12, 31)}))
    assert 'type="date"' in report and 'value="2026-01-01"' in report and 'value="2026-03-09"' in report
    assert 'type="datetime-local"' in session and 'value="2026-04-05T09:30"' in session
    assert 'value="2026-12-31"' in assign


def test_the_session_report_accepts_its_own_dates(client, county):
    client.force_login(factories.bureau_staff(jurisdiction=county))
    with translation.override("zh-hans"):
        page = client.get(reverse("courses:session_report")).content.decode()
    values = re.findall(r'name="(?:start|end)"[^>]*value="([^"]*)"', page)
    assert len(values) == 2 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), values
    response = client.get(reverse("courses:session_report"), {"start": values[0], "end": values[1]})
    assert response.status_code == 200 and "errorlist" not in response.content.decode()


# --- 7. Long lists are filterable, thumb-sized rows; no "hold Ctrl"


def test_bureau_forms_pick_committees_and_modules_from_filterable_lists(county):
    staff = factories.bureau_staff(jurisdiction=county)
    for n in range(9):
        factories.CommitteeFactory(region=county.get_children().first(), name=f"第{n}调委会")
    for n in range(3):
        factories.course_module(title=f"模块{n}")
    with translation.override("zh-hans"):
        assign = AssignModuleForm(user=staff)
        html = str(assign["committees"])
        session_modules = str(SessionForm(user=staff)["modules"])
    assert "data-filter-list" in html and 'type="checkbox"' in html and 'type="search"' in html
    assert "Ctrl" not in str(assign) and "<select" not in html
    # Three modules: a plain list of checkboxes, no search box to scroll past.
    assert 'class="filter-list"' in session_modules and "data-filter-list" not in session_modules
    assert 'type="radio"' in str(assign["module"])


# --- 3. The simulated mediation says how good each choice was


def test_choice_quality_comes_from_the_points():
    assert choice_quality(3, 3) == ChoiceQuality.GOOD
    assert choice_quality(1, 3) == ChoiceQuality.BETTER_POSSIBLE
    assert choice_quality(0, 3) == ChoiceQuality.BETTER_POSSIBLE
    assert choice_quality(-1, 3) == ChoiceQuality.HARMFUL
    assert choice_quality(0, 0) == ChoiceQuality.GOOD  # nothing to earn at the step


def test_steps_to_an_ending_count_the_longest_way_without_loops():
    graph = graph_from_stream(_stream(factories.simple_graph()))
    assert steps_to_end(graph, "opening") == 2  # via 分别谈话, though "直接宣布处理结果" ends at once
    assert steps_to_end(graph, "talk") == 1
    assert steps_to_end(graph, "agreed") == 0
    looped = graph_from_stream(_stream([
        factories.scenario_step("a", "甲", [("去乙", "b", "", {}), ("结束", "end", "", {})]),
        factories.scenario_step("b", "乙", [("回甲", "a", "", {}), ("去丙", "c", "", {})]),
        factories.scenario_step("c", "丙", [("结束", "end", "", {})]),
        factories.scenario_ending("end", "完"),
    ]))
    assert steps_to_end(looped, "a") == 3 and steps_to_end(looped, "b") == 2  # the loop back is not counted


def _stream(raw):
    from courses.models import ScenarioPage

    return ScenarioPage(title="t", intro="i", graph=raw).graph


def _long_graph():
    """Three steps in a row: the counter reads "1 of 3", "2 of 3"…"""
    return [
        factories.scenario_step("opening", "开场", [
            ("先倾听", "talk", "好。", {"listening": 2}),
            ("训斥一方", "talk", "站队了。", {"deescalation": -2}),
        ]),
        factories.scenario_step("talk", "谈话", [("分别谈话", "sign", "对。", {"method": 2}),
                                               ("随口说说", "sign", "一般。", {"method": 1})]),
        factories.scenario_step("sign", "签协议", [("写成书面协议", "agreed", "规范。", {"procedure": 2}),
                                                ("口头约定", "oral", "隐患。", {"procedure": 0})]),
        factories.scenario_ending("agreed", "达成协议"),
        {"type": "ending", "value": {"key": "oral", "title": "口头协议", "outcome": "agreement",
                                     "outcome_label": "口头协议，纠纷反复", "text": "三个月后又吵起来。"}},
    ]


def test_a_run_shows_quality_step_counter_outcome_label_and_the_best_choice(client):
    learner = factories.mediator()
    scenario = factories.scenario(module=factories.course_module(), graph=_long_graph())
    client.force_login(learner)
    run_url = client.post(reverse("courses:scenario_start", args=[scenario.pk]))["Location"]
    run = ScenarioRun.objects.get(person=learner, scenario=scenario)

    def shown(step_key, authored_index):
        """Choices are shown in the run's own shuffled order (issue #11): post the position the page shows."""
        return str(run.choice_order(step_key, 2).index(authored_index))

    with translation.override("zh-hans"):
        page = client.get(run_url).content.decode()
        assert "第 1 步，共 3 步" in page
        client.post(run_url, {"step": "opening", "choice": shown("opening", 1)})  # the harmful one
        page = client.get(run_url).content.decode()
        assert 'data-quality="harmful"' in page and "做法不当" in page and "feedback-harmful" in page
        assert "第 2 步，共 3 步" in page
        client.post(run_url, {"step": "talk", "choice": shown("talk", 0)})  # the best one
        page = client.get(run_url).content.decode()
        assert 'data-quality="good"' in page and "做法得当" in page
        client.post(run_url, {"step": "sign", "choice": shown("sign", 1)})  # fair, ends orally
        page = client.get(run_url).content.decode()
    # The lecturer's label, not the outcome's category (达成调解协议), and a red tag for a poor score.
    assert "口头协议，纠纷反复" in page and "达成调解协议" not in page and "tag-bad" in page
    # The debrief: each step's choice against the best one.
    assert page.count('data-testid="debrief-line"') == 3
    assert "此处最佳做法： 先倾听" in page and "此处最佳做法： 写成书面协议" in page
    assert "此处最佳做法： 分别谈话" not in page  # chosen: nothing better to show


# --- 6. Attendance: how each person checked in; a learner sees attendance and hours


def test_the_roster_says_how_each_attendee_checked_in(client, townships):
    staff = factories.bureau_staff(jurisdiction=townships[0])
    session = factories.rotation_session(township=townships[0], modules=[factories.course_module(credit_hours=2)],
                                         by=staff, starts_at=timezone.now() - datetime.timedelta(minutes=30))
    scanned, ticked, absent = (factories.mediator(committee=factories.CommitteeFactory(region=townships[0]))
                               for _n in range(3))
    for person in (scanned, ticked, absent):
        services.session_sign_up(person=person, session=session)
    services.attendance_check_in(person=scanned, code=session.checkin_code)
    services.roster_tick(by=staff, session=session, people=[ticked])
    client.force_login(staff)
    with translation.override("zh-hans"):
        page = client.get(reverse("courses:session", args=[session.pk])).content.decode()
    assert page.count('data-testid="attendance-method"') == 2
    assert "扫码签到" in page and "名册勾选签到" in page and "已签到 2 人，共 3 人" in page
    assert page.count('class="roster-row"') == 1 and f'value="{absent.pk}"' in page  # the absentee's tap row


def test_a_learner_sees_a_past_session_attended_with_its_hours(client, townships):
    learner = factories.mediator(committee=factories.CommitteeFactory(region=townships[0]))
    module = factories.course_module(credit_hours=2)
    past = timezone.now() - datetime.timedelta(days=3)
    attended = factories.rotation_session(township=townships[0], modules=[module], starts_at=past, title="来了")
    missed = factories.rotation_session(township=townships[0], modules=[module], starts_at=past, title="没来")
    for session in (attended, missed):
        _sign_up(learner, session)  # sign-ups close when a session ends: written directly, as then
    SessionAttendance.objects.create(session=attended, person=learner, method=SessionAttendance.Method.QR)
    client.force_login(learner)
    with translation.override("zh-hans"):
        page = client.get(reverse("courses:sessions")).content.decode()
    assert "已参加（扫码签到）" in page and "计 2 学时" in page
    assert "已报名，未记录出勤" in page


def _sign_up(person, session):
    from courses.models import SessionSignup

    SessionSignup.objects.create(person=person, session=session)
