import pytest
from django.core.exceptions import ValidationError

from courses.anonymisation import personal_data_found
from courses.models import ScenarioPage
from courses.scenario_graph import Graph, graph_from_stream, graph_problems, score_path
from tests import factories

pytestmark = pytest.mark.django_db


def _graph(raw) -> Graph:
    return graph_from_stream(ScenarioPage(graph=raw).graph)


def test_a_sound_graph_has_no_problems():
    assert graph_problems(_graph(factories.simple_graph())) == []


def test_a_choice_pointing_nowhere_is_refused():
    raw = factories.simple_graph()
    raw[1]["value"]["choices"][0]["leads_to"] = "nowhere"
    problems = graph_problems(_graph(raw))
    assert any("nowhere" in p for p in problems)


def test_an_unreachable_ending_is_refused():
    raw = factories.simple_graph() + [factories.scenario_ending("orphan", "无人到达的结局")]
    assert any("orphan" in p for p in graph_problems(_graph(raw)))


def test_a_loop_without_exit_is_refused_but_a_loop_with_one_is_allowed():
    loop = [
        factories.scenario_step("a", "甲", [("继续", "b", "…", {})]),
        factories.scenario_step("b", "乙", [("回到甲", "a", "…", {})]),
        factories.scenario_ending("end", "结局"),
    ]
    problems = graph_problems(_graph(loop))
    assert any("loop" in p or "循环" in p for p in problems), problems
    loop[1]["value"]["choices"].append({"text": "结束", "leads_to": "end", "feedback": "…", "scores": []})
    assert graph_problems(_graph(loop)) == []


def test_duplicate_keys_are_refused():
    raw = factories.simple_graph() + [factories.scenario_ending("agreed", "重复")]
    assert any("agreed" in p for p in graph_problems(_graph(raw)))


def test_saving_a_broken_scenario_is_refused(client):
    module = factories.course_module()
    page = factories.scenario(module=module)
    page.graph = factories.simple_graph()[:2]  # the endings are gone: choices point nowhere
    with pytest.raises(ValidationError):
        page.full_clean()


def test_scoring_takes_the_best_available_at_each_visited_step():
    best = {"listening": 2, "deescalation": 1}
    taken = [({"listening": 2, "deescalation": 1}, best, 3), ({"method": 0}, {"method": 2}, 2)]
    percent, by_competency = score_path(taken)
    assert percent == 60
    assert by_competency == {"listening": 100, "deescalation": 100, "method": 0}


@pytest.mark.parametrize("text, kind", [
    ("申请人身份证号150621198803124518", "ID"),
    ("旧身份证150621880312451", "ID"),
    ("联系电话13904771234", "phone"),
    ("联系电话 139-0477-1234", "phone"),
    ("座机 0477-5123456", "phone"),
])
def test_personal_data_is_detected(text, kind):
    problems = personal_data_found(text, [])
    assert len(problems) == 1 and (("ID" in problems[0] or "身份证" in problems[0]) if kind == "ID"
                                   else ("phone" in problems[0] or "电话" in problems[0]))


def test_anonymised_text_passes_and_party_names_are_caught():
    assert personal_data_found("张某与李某于2023年5月12日发生纠纷，赔偿12000元。", ["张建国"]) == []
    assert personal_data_found("张建国与李某发生纠纷", ["张建国", " "])


def test_a_live_case_review_holding_a_phone_number_cannot_be_saved():
    case = factories.case_review()
    case.facts = "<p>李某（电话13904771234）称……</p>"
    with pytest.raises(ValidationError):
        case.save()


def test_a_draft_case_review_may_hold_work_in_progress():
    case = factories.case_review(live=False, facts="<p>李某电话13904771234</p>")
    assert not case.live


def test_a_fresh_install_grants_lecturers_add_and_bureau_publish_under_a_review_workflow():
    from wagtail.models import GroupPagePermission, WorkflowPage

    from courses.models import CaseReviewLibraryPage, CourseMenuPage, ModuleCategory

    menu, library = CourseMenuPage.objects.get(), CaseReviewLibraryPage.objects.get()
    for page in (menu, library):
        granted = set(GroupPagePermission.objects.filter(page=page).values_list(
            "group__name", "permission__codename"))
        assert {("Lecturers", "add_page"), ("Bureau staff", "publish_page")} <= granted
        assert ("Lecturers", "change_page") not in granted  # lecturers edit only pages they own
        assert WorkflowPage.objects.get(page=page).workflow.name == "司法局审核"
    assert list(ModuleCategory.objects.values_list("code", flat=True)) == ["A", "B", "C", "D", "E"]


def test_lecturers_may_edit_their_own_module_but_not_a_colleagues():
    author, colleague = factories.lecturer(), factories.lecturer()
    module = factories.course_module()
    module.owner = author
    module.save()
    assert module.permissions_for_user(author).can_edit()
    assert not module.permissions_for_user(colleague).can_edit()


def test_the_anonymity_check_reads_block_text_not_wagtails_random_block_ids(db):
    """Block ids are random hex; one like "…-a13912345678" must not read as a phone number."""
    case = factories.case_review()
    stream = case.process.get_prep_value()
    assert stream, "the factory's case review has process steps"
    for block in stream:
        block["id"] = "0b3a7c1e-5f2d-4e8a-9c6b-a13912345678"
    case.process = stream
    assert case.anonymisation_problems() == []
    stream[0]["value"]["text"] = "联系电话13912345678"
    case.process = stream
    assert case.anonymisation_problems()
