from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.models import register_snippet

from people import permissions
from people.navigation import register_menu_entry

from . import selectors, self_check_selectors, self_check_services
from .admin_views import (
    QuestionCategoryViewSet,
    QuestionViewSet,
    QuizViewSet,
    can_author_questions,
    question_import,
)


class AssessmentGroup(ViewSetGroup):
    menu_label = _("Exams")
    menu_icon = "form"
    menu_order = 300
    items = (QuizViewSet, QuestionViewSet, QuestionCategoryViewSet)


register_snippet(AssessmentGroup)


@hooks.register("register_admin_urls")
def admin_urls():
    return [path("assessments/import/", question_import, name="assessments_question_import")]


class _ImportMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return can_author_questions(request.user)


@hooks.register("register_admin_menu_item")
def import_menu_item():
    return _ImportMenuItem(_("Import questions"), reverse("assessments_question_import"), icon_name="upload",
                           order=301)


class _SiteLinkMenuItem(AdminMenuItem):
    """An admin menu entry leading to a page of the site (grading, results), shown to those who may use it."""

    def __init__(self, *args, check, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check

    def is_shown(self, request):
        return self.check(request.user)


@hooks.register("register_admin_menu_item")
def grading_admin_menu_item():
    return _SiteLinkMenuItem(_("Grading queue"), reverse("assessments:grading_queue"), icon_name="edit",
                             order=302, check=selectors.may_grade)


@hooks.register("register_admin_menu_item")
def results_admin_menu_item():
    return _SiteLinkMenuItem(_("Exam results"), reverse("assessments:results_index"), icon_name="table",
                             order=303, check=selectors.may_see_results)


register_menu_entry(name="exams", label=_("My exams"), url_name="assessments:my_exams", order=30,
                    shown=permissions.is_learner)
register_menu_entry(name="grading", label=_("Grading"), url_name="assessments:grading_queue", order=40,
                    group="training", shown=selectors.may_grade)
register_menu_entry(name="exam-results", label=_("Exam results"), url_name="assessments:results_index", order=45,
                    group="training", shown=selectors.may_see_results)


@hooks.register("learner_home_panels")
def my_exams_panel(request):
    if not permissions.is_learner(request.user):
        return ""
    cards = [c for c in selectors.learner_quizzes(user=request.user)
             if c.quiz.kind == c.quiz.Kind.CERTIFICATION or c.attempts]
    return render_to_string("assessments/panel_my_exams.html", {"cards": cards[:6]}, request=request)


# --- The self-check at the end of a lesson (courses asks through its hooks: it does not import this app).


@hooks.register("lesson_page_panels")
def self_check_panel(request, lesson):
    """The lesson's self-check, for learners (their own tokens and feedback); nothing when it has none."""
    if not permissions.is_learner(request.user):
        return ""
    check = self_check_selectors.self_check_sheet(user=request.user, lesson=lesson)
    if check is None:
        return ""
    return render_to_string("assessments/self_check.html", {"check": check, "lesson": lesson}, request=request)


@hooks.register("lesson_completion_shortfall")
def self_check_shortfall(person, lesson):
    return self_check_selectors.self_check_shortfall(person=person, lesson=lesson)


@hooks.register("lesson_demo_study")
def self_check_demo_study(person, lesson):
    self_check_services.self_check_answer_all(person=person, lesson=lesson)


@hooks.register("training_hour_sources")
def exam_hours():
    """Passed exams earn training hours (courses' one definition of hours; see ``selectors.EXAM_HOURS``)."""
    return selectors.EXAM_HOURS
