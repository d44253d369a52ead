"""Wagtail pages of the training site: the home page (the root of the public site)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The public front page: what the academy is, and the way in for each kind of user."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True, features=["bold", "italic", "link", "ol", "ul", "h2", "h3"])

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")


class CourseMenuPage(Page):
    """The bureau's training menu (菜单式轮训): the catalog of course modules."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["courses.HomePage"]
    subpage_types = ["courses.CourseModulePage"]
    max_count = 1

    class Meta:
        verbose_name = _("training menu")


class CourseModulePage(Page):
    """One module of the menu, e.g. 人民调解法及配套规定解读 (4 h)."""

    summary = models.TextField(_("summary"), blank=True)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=4, decimal_places=1, default=0)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("credit_hours")]
    parent_page_types = ["courses.CourseMenuPage"]

    class Meta:
        verbose_name = _("course module")
        verbose_name_plural = _("course modules")
