"""Wagtail admin for people and organisations, scoped by jurisdiction through ``people.permissions``."""

import django_filters
from django import forms
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.active_filters import ActiveFilter, BaseFilterAdapter, register_filter_adapter_class
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import groups as wagtail_groups
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from . import permissions
from .models import Committee, Membership, Region
from .roles import group_label


class YesNoFilterAdapter(BaseFilterAdapter):
    """A yes/no filter's chip above a listing reads "已发布: 是", not Python's "True" (Wagtail prints the raw value)."""

    def get_active_filters(self):
        yield ActiveFilter(self.bound_field.auto_id, self.filter.label, gettext("Yes") if self.value else gettext("No"),
                           self.get_url_without_filter_param(self.name))


register_filter_adapter_class(django_filters.BooleanFilter, YesNoFilterAdapter)


# --- Users: one name field instead of first/last, plus gender, phone and jurisdiction.

_USER_FIELDS = ["name", "gender", "phone", "jurisdiction"]


class _PersonFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.RegexField(
        label=_("Mobile phone"), regex=r"^1[3-9][0-9]{9}$", required=False,
        error_messages={"invalid": _("Enter an 11-digit mainland mobile number.")},
    )


class PersonCreationForm(_PersonFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = (UserCreationForm.Meta.fields - {"first_name", "last_name"}) | set(_USER_FIELDS)


class PersonEditForm(_PersonFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = (UserEditForm.Meta.fields - {"first_name", "last_name"}) | set(_USER_FIELDS)


for _form in (PersonCreationForm, PersonEditForm):
    _form.base_fields.pop("first_name", None)
    _form.base_fields.pop("last_name", None)


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return PersonEditForm if for_update else PersonCreationForm


class GroupIndexView(wagtail_groups.IndexView):
    """Groups listed by their role's name in the user's language ("讲师", not the stored "Lecturers")."""

    columns = [TitleColumn("name", label=_("Name"), sort_key="name", url_name="wagtailusers_groups:edit",
                           accessor=lambda group: group_label(group.name))]


class GroupViewSet(wagtail_groups.GroupViewSet):
    index_view_class = GroupIndexView


# --- Jurisdiction scoping for snippet views. Every view a scoped viewset builds (list, export, edit, copy,
# delete, history, usage, inspect) and every view of its chooser (choose, search results, chosen, chosen many)
# is wrapped in ``_ScopedViewMixin``, so a view Wagtail adds later is scoped too instead of silently open.

class _ScopedViewMixin:
    def _scope(self):
        model = getattr(self, "model_class", None) or self.model
        # Wagtail records each snippet model's registered viewset on the model.
        return model.snippet_viewset.scope(self.request.user)

    def get_object(self, *args, **kwargs):  # object views and the chooser's "chosen"
        obj = super().get_object(*args, **kwargs)
        if obj is not None and not self._scope().filter(pk=obj.pk).exists():  # None: a create view
            raise Http404  # outside the jurisdiction reads as absent, never as "exists but forbidden"
        return obj

    def get_object_list(self):  # the chooser's list and search
        return self._scope()

    def get_objects(self, pks):  # the chooser's "chosen" for several
        return self._scope().filter(pk__in=pks)


def _scoped(view_class):
    return type(f"Scoped{view_class.__name__}", (_ScopedViewMixin, view_class), {})


class ScopedChooserViewSet(SnippetChooserViewSet):
    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class JurisdictionScopedViewSet(SnippetViewSet):
    """A snippet whose rows belong to regions: ``scope(user)`` (through ``people.permissions``) is the only way
    any of its admin views reaches a row."""

    chooser_viewset_class = ScopedChooserViewSet
    # The list searches its ``search_fields`` with the ORM inside the scope (SQLite's full-text backend fails on a
    # filtered list's count); the chooser searches with the backend, whose filter fields cover the scope.
    search_backend_name = None

    def scope(self, user):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scope(request.user)

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(_scoped(view_class), **kwargs)


class ScopedForm(WagtailAdminModelForm):
    """Limits region and committee choices to the editor's jurisdiction."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        if "region" in self.fields:
            self.fields["region"].queryset = permissions.regions_visible_to(for_user)
        if "committee" in self.fields:
            self.fields["committee"].queryset = permissions.committees_visible_to(for_user)
        if "person" in self.fields:
            self.fields["person"].queryset = permissions.people_visible_to(for_user).order_by("name")


class CommitteeViewSet(JurisdictionScopedViewSet):
    model = Committee
    icon = "group"
    menu_label = _("Mediation committees")
    list_display = ["name", "region", "kind", "specialty"]
    list_filter = ["kind", "specialty"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("region"), FieldPanel("kind"), FieldPanel("specialty"),
              FieldPanel("established_on")]

    def scope(self, user):
        return permissions.committees_visible_to(user).select_related("region")

    def get_form_class(self, for_update=False):
        return type("CommitteeForm", (ScopedForm,), {"Meta": type("Meta", (), {
            "model": Committee, "fields": ["name", "region", "kind", "specialty", "established_on"]})})


class MembershipViewSet(JurisdictionScopedViewSet):
    model = Membership
    icon = "user"
    menu_label = _("Committee members")
    list_display = ["person", "committee", "role", "employment", "grade", "joined_on", "left_on"]
    list_filter = ["role", "employment", "grade"]
    search_fields = ["person__name", "committee__name"]
    panels = [FieldPanel(name) for name in (
        "person", "committee", "role", "employment", "position", "grade", "specialties", "joined_on", "left_on")]

    def scope(self, user):
        return Membership.objects.filter(permissions.region_filter(user, "committee__region__")).select_related(
            "person", "committee", "grade")

    def get_form_class(self, for_update=False):
        return type("MembershipForm", (ScopedForm,), {"Meta": type("Meta", (), {
            "model": Membership, "fields": [
                "person", "committee", "role", "employment", "position", "grade", "specialties",
                "joined_on", "left_on"],
            "widgets": {"specialties": forms.CheckboxSelectMultiple}})})


class RegionForm(WagtailAdminModelForm):
    """Regions live in a tree: a new one is added under its parent; an existing one keeps its place."""

    parent = forms.ModelChoiceField(
        label=_("Parent region"), queryset=Region.objects.all(), required=False,
        help_text=_("Leave empty only for the top region."),
    )

    class Meta:
        model = Region
        fields = ["name", "name_en", "code", "level"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["parent"]

    def save(self, commit=True):
        if self.instance.pk:
            return super().save(commit=commit)
        parent = self.cleaned_data.get("parent")
        region = self.instance
        return parent.add_child(instance=region) if parent else Region.add_root(instance=region)


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "site"
    menu_label = _("Regions")
    list_display = ["name", "code", "level", Column("depth", label=_("Depth"))]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    panels = [FieldPanel("parent"), FieldPanel("name"), FieldPanel("name_en"), FieldPanel("code"),
              FieldPanel("level")]

    def get_form_class(self, for_update=False):
        return RegionForm
