from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from people import permissions as people_permissions
from people.models import BureauSettings
from people.navigation import MenuItem, register_menu_entry

from . import selectors, services
from .models import (
    CaseReviewLibraryPage,
    CourseMenuPage,
    CourseModulePage,
    LessonPage,
    ModuleCategory,
    PrivateHandout,
)
from .permissions import may_change_document


class ModuleCategoryViewSet(SnippetViewSet):
    model = ModuleCategory
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Module categories")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["code", "name", "description"]  # the English name shows only on English pages


register_snippet(ModuleCategoryViewSet)


SECTION_URLS_KEY = "courses:section-urls"


def _section_urls(request) -> dict[str, str]:
    """The menu's and the case library's URLs, for the site menu on every page: kept in the cache (one lookup
    instead of a page query and Wagtail's site-root lookups), forgotten when either page is published, unpublished,
    moved or deleted."""
    if not hasattr(request, "_courses_section_urls"):
        urls = cache.get(SECTION_URLS_KEY)
        if urls is None:
            models = [CourseMenuPage._meta.model_name, CaseReviewLibraryPage._meta.model_name]
            pages = (Page.objects.live().filter(content_type__app_label="courses", content_type__model__in=models)
                     .select_related("content_type"))
            # Without the request Wagtail answers from its cached site root paths (one site: relative URLs).
            urls = {page.content_type.model: page.get_url() for page in pages}
            cache.set(SECTION_URLS_KEY, urls, 3600)
        request._courses_section_urls = urls
    return request._courses_section_urls


def _forget_section_urls(sender, **kwargs) -> None:
    cache.delete(SECTION_URLS_KEY)


for _signal in (page_published, page_unpublished, post_page_move, post_delete):
    for _model in (CourseMenuPage, CaseReviewLibraryPage):
        _signal.connect(_forget_section_urls, sender=_model, dispatch_uid=f"section-urls-{_model.__name__}")


# --- Handouts for enrolled people only: their files leave public media as soon as a lesson marking them is saved
# (a draft in the admin) or published (the admin, the demo), and again if the library replaces the file.

def _protect_lesson_handouts(sender, instance, **kwargs) -> None:
    services.lesson_handouts_protect(lesson=instance)


page_published.connect(_protect_lesson_handouts, sender=LessonPage, dispatch_uid="protect-lesson-handouts")


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def protect_handouts_of_saved_lesson(request, page):
    if isinstance(page.specific, LessonPage):
        services.lesson_handouts_protect(lesson=page.specific)


def _protect_replaced_file(sender, instance, **kwargs) -> None:
    if PrivateHandout.objects.filter(document=instance).exists():
        services.handout_protect(document=instance)


post_save.connect(_protect_replaced_file, sender=get_document_model(), dispatch_uid="protect-replaced-handout")


@hooks.register("before_serve_document")
def private_handouts_stay_private(document, request):
    """Wagtail's own document view (/documents/<id>/<name>) never serves a protected handout: people who may
    change it in the library are sent to ``courses:handout_for_editors``, everyone else gets 404, as if it did
    not exist. Learners download it from its lesson (``courses.views.lesson_handout``)."""
    if not PrivateHandout.objects.filter(document=document).exists():
        return None
    if not may_change_document(request.user, document):
        raise Http404
    return redirect("courses:handout_for_editors", document_id=document.pk)


@hooks.register("register_site_menu_item")
def training_menu_item(request):
    url = _section_urls(request).get(CourseMenuPage._meta.model_name)
    return MenuItem(label=_("Training menu"), url=url, order=20, name="menu", group="training") if url else None


@hooks.register("register_site_menu_item")
def case_library_item(request):
    url = _section_urls(request).get(CaseReviewLibraryPage._meta.model_name)
    return MenuItem(label=_("Case reviews"), url=url, order=30, name="cases", group="training") if url else None


register_menu_entry(
    name="sessions", label=_("Rotation sessions"), url_name="courses:sessions", order=40, group="training",
    shown=lambda user: (people_permissions.is_bureau_staff(user) or people_permissions.is_lecturer(user)
                        or people_permissions.is_learner(user)),
)


@hooks.register("learner_home_panels")
def next_steps_panel(request):
    """Continue where I stopped, sessions nearby and new modules: first on the learner's home."""
    return render_to_string("courses/panels/next_steps.html", {"steps": selectors.next_steps(user=request.user)},
                            request=request)


@hooks.register("learner_home_panels")
def learning_panel(request):
    target = BureauSettings.for_request(request).annual_hours_target
    summary = selectors.learning_summary(user=request.user, target=target)
    return render_to_string("courses/panels/learning.html", {"summary": summary}, request=request)


@hooks.register("bureau_home_panels")
def training_panel(request):
    today = timezone.localdate()
    report = selectors.session_report(user=request.user, start=today.replace(month=1, day=1), end=today)
    return render_to_string("courses/panels/bureau.html", {"report": report}, request=request)


@hooks.register("before_create_page")
def lecturers_add_only_to_their_own_modules(request, parent_page, page_class):
    """Wagtail's "add" permission lets a lecturer add pages anywhere under the menu; a lesson or scenario must go
    into a module the lecturer owns or teaches."""
    user = request.user
    if people_permissions.is_bureau_staff(user) or not people_permissions.is_lecturer(user):
        return None
    parent = parent_page.specific
    if isinstance(parent, CourseModulePage) and parent.owner_id != user.pk and \
            not parent.lecturers.filter(pk=user.pk).exists():
        messages.error(request, _("You can add lessons only to modules you own or teach."))
        return redirect("wagtailadmin_explore", parent_page.pk)
    return None

