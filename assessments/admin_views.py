"""The question bank and quizzes in the Wagtail admin (lecturers and bureau staff), and the spreadsheet import."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from people.admin_columns import yes_no_column
from people.models import User
from people.roles import StaffRole
from people.uploads import check_upload

from . import importing, services
from .exports import FORMATS
from .models import Question, QuestionCategory, Quiz
from .validation import question_errors


class CategoryForm(WagtailAdminModelForm):
    """Categories form a tree: a new one is placed under its parent (by ``services.category_add``); an existing
    one keeps its place and only changes its name."""

    parent = forms.ModelChoiceField(
        label=gettext_lazy("Parent category"), queryset=QuestionCategory.objects.order_by("path"), required=False,
        help_text=gettext_lazy("Leave empty for a top-level category."))

    class Meta:
        model = QuestionCategory
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = not self.instance.pk
        if not self.creating:
            self.fields.pop("parent")

    def save(self, commit=True):
        if self.creating:
            self.instance = services.category_add(parent=self.cleaned_data.get("parent"),
                                                  name=self.cleaned_data["name"])
            return self.instance
        return super().save(commit=commit)


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Question categories")
    list_display = [Column("full_name", label=gettext_lazy("Category")), Column("numchild",
                                                                            label=gettext_lazy("Subcategories"))]
    ordering = ["path"]
    search_fields = ["name"]
    panels = [FieldPanel("parent"), FieldPanel("name")]

    def get_form_class(self, for_update=False):
        return CategoryForm


class QuestionForm(WagtailAdminModelForm):
    """Checks the choices against the question type (the same rules as the import), and keeps choices that
    attempts already answered: their text or key may be corrected, but they are not removed."""

    def is_valid(self):
        valid = super().is_valid()
        if not valid:
            return False
        formset = self.formsets["choices"]
        kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        removed = [f.instance.pk for f in formset.forms if f.cleaned_data.get("DELETE") and f.instance.pk]
        for message in question_errors(
                kind=self.cleaned_data["kind"], choices=[(c["text"], c["is_correct"]) for c in kept],
                negative_marking=self.cleaned_data.get("negative_marking", False)):
            self.add_error(None, message)
        if removed and self.instance.pk and self.instance.attempt_questions.exists():
            self.add_error(None, _("Learners have answered this question: correct a choice instead of removing it."))
        return not self.errors


class QuestionCreateView(snippet_views.CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class QuestionEditView(snippet_views.EditView):
    def save_instance(self):
        """Saving a question re-scores the submitted attempts it appears in (a corrected key) in the same
        transaction, and says how many attempts' scores changed."""
        question = super().save_instance()
        report = services.question_rescore(question=question)
        if report.attempts_checked:
            messages.info(self.request, _(
                "Re-scored %(checked)d submitted attempts with this question; %(changed)d changed.") % {
                "checked": report.attempts_checked, "changed": report.attempts_changed})
        return question


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = gettext_lazy("Question bank")
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    list_display = ["__str__", "category", "kind", "difficulty", "points"]
    list_filter = ["kind", "difficulty", "category"]
    search_fields = ["text", "legal_reference"]
    list_per_page = 50
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)

    def get_queryset(self, request):
        return Question.objects.select_related("category")


class QuizForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = User.objects.filter(
                Q(groups__name__in=[StaffRole.LECTURER, StaffRole.ADMINISTRATOR]) | Q(is_superuser=True)
            ).distinct().order_by("name")
            if not self.instance.pk and for_user is not None:
                self.initial.setdefault("owner", for_user.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Quiz.Kind.PRACTICE and not cleaned.get("module"):
            self.add_error("module", _("A practice quiz belongs to a course module."))
        return cleaned


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "form"
    menu_label = gettext_lazy("Quizzes and exams")
    # 是/否, not "True"/"False" in a Chinese list.
    list_display = ["title", "kind", "module", "pass_mark", "time_limit_minutes",
                    yes_no_column("is_published", gettext_lazy("published")), "owner"]
    list_filter = ["kind", "is_published", "audience"]
    search_fields = ["title"]
    edit_handler = ObjectList(Quiz.panels, base_form_class=QuizForm)


# --- Import


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV or XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower()
        if extension not in FORMATS:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        check_upload(upload)
        upload.file_format = extension
        return upload


def can_author_questions(user) -> bool:
    return user.has_perm("assessments.add_question")


def question_import(request):
    """Upload a spreadsheet of questions: every row is validated, errors are listed by row and column, and
    nothing is saved unless every row is valid. ``?template=csv|xlsx`` downloads the template."""
    if not can_author_questions(request.user):
        raise PermissionDenied
    template_format = request.GET.get("template")
    if template_format in FORMATS:
        response = HttpResponse(importing.template(template_format), content_type=FORMATS[template_format])
        response["Content-Disposition"] = f'attachment; filename="question-template.{template_format}"'
        return response
    errors = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        drafts, errors = importing.parse_questions(upload.read(), upload.file_format)
        if not errors:
            saved = services.questions_import(drafts=drafts, author=request.user)
            messages.success(request, _("Imported %(n)d questions.") % {"n": len(saved)})
            return redirect("wagtailsnippets_assessments_question:list")
    return TemplateResponse(request, "assessments/admin/question_import.html", {
        "form": form, "errors": errors, "columns": [_(header) for _key, header in importing.COLUMNS],
    })
