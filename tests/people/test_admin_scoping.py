"""Issue 11, item 2: every Wagtail admin view of every jurisdiction-scoped snippet — list, export, search, edit,
copy, delete, history, usage, inspect and the chooser's choose / results / chosen — goes through
``people.permissions``. The walk is built from the URL conf, so a view Wagtail adds later is walked too."""

import io
import json
import re

import openpyxl
import pytest
from django.urls import get_resolver
from wagtail.snippets.models import get_snippet_models

from grading.models import GradeRule
from people.admin_views import JurisdictionScopedViewSet
from people.models import Committee, Membership
from tests import factories
from training.models import TrainingDuty

pytestmark = pytest.mark.django_db
INSIDE, OUTSIDE = "甲镇本辖区调委会", "乙镇越界调委会"
INSIDE_PERSON, OUTSIDE_PERSON = "本辖区李某", "越界王某某"


def scoped_models():
    return [model for model in get_snippet_models() if isinstance(model.snippet_viewset, JurisdictionScopedViewSet)]


def admin_urls(model, pk: int) -> list[str]:
    """Every URL of the model's snippet views and of its chooser, with ``pk`` wherever an object is named."""
    opts = model._meta
    namespaces = {f"wagtailsnippets_{opts.app_label}_{opts.model_name}",
                  f"wagtailsnippetchoosers_{opts.app_label}_{opts.model_name}"}
    urls = []
    for namespace, (prefix, resolver) in get_resolver().namespace_dict.items():
        if namespace not in namespaces:
            continue
        for key, possibilities in resolver.reverse_dict.lists():
            if not isinstance(key, str):
                continue
            for possibility, *_rest in possibilities:
                for result, params in possibility:
                    url = "/" + prefix.lstrip("^") + result % dict.fromkeys(params, pk)
                    urls.append(re.sub(r"\\(.)", r"\1", url))
    return sorted(set(urls))


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):  # an XLSX export
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    text = content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):  # the chooser's modal, \u-escaped
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.fixture
def rows(townships):
    first, second = townships
    inside = factories.CommitteeFactory(region=first, name=INSIDE)
    outside = factories.CommitteeFactory(region=second, name=OUTSIDE)
    return {
        Committee: (inside, outside),
        Membership: (
            factories.MembershipFactory(committee=inside, person=factories.UserFactory(name=INSIDE_PERSON)),
            factories.MembershipFactory(committee=outside, person=factories.UserFactory(name=OUTSIDE_PERSON)),
        ),
        # A bureau's training duties belong to its region (training sits above people; the walk covers it too).
        TrainingDuty: (TrainingDuty.objects.create(region=first, name=INSIDE, kind="annual"),
                       TrainingDuty.objects.create(region=second, name=OUTSIDE, kind="annual")),
        GradeRule: tuple(GradeRule.objects.create(region=township, grade=factories.GradeFactory(rank=4))
                         for township in (first, second)),
    }


def test_the_scoped_snippets_are_the_organisation_rows():
    assert set(scoped_models()) == {Committee, Membership, TrainingDuty, GradeRule}


@pytest.mark.parametrize("role", ["township_officer", "lecturer"])
def test_every_admin_view_of_every_scoped_snippet_hides_what_is_outside(client, townships, rows, role):
    user = factories.bureau_staff(jurisdiction=townships[0]) if role == "township_officer" else factories.lecturer()
    client.force_login(user)
    walked = 0
    for model in scoped_models():
        inside, outside = rows[model]
        urls = admin_urls(model, outside.pk)
        assert any("/choose/" in url for url in urls) and any("/chosen/" in url for url in urls)
        assert any("/copy/" in url for url in urls) and any("/history/" in url for url in urls)
        for url in urls:
            for query in ("", f"?q={OUTSIDE[:2]}", f"?q={OUTSIDE_PERSON[:2]}", f"?id={outside.pk}",
                          "?export=csv", "?export=xlsx"):
                response = client.get(url + query)
                walked += 1
                text = _text(response)
                assert OUTSIDE not in text and OUTSIDE_PERSON not in text, (role, url + query)
                assert model is not GradeRule or str(outside) not in text, (role, url + query)
                if str(outside.pk) in url.split("/") and response.status_code == 200:
                    pytest.fail(f"{role} opened {url} of another town's {model._meta.model_name}")
        if role == "township_officer":  # the officer still works inside the own town
            where = f"{model._meta.app_label}/{model._meta.model_name}"
            listing = _text(client.get(f"/admin/snippets/{where}/"))
            choose = _text(client.get(f"/admin/snippets/choose/{where}/"))
            chosen = client.get(f"/admin/snippets/choose/{where}/chosen/{inside.pk}/")
            marker = {Committee: INSIDE, Membership: INSIDE_PERSON, TrainingDuty: INSIDE,
                      GradeRule: townships[0].name}[model]
            assert marker in listing and marker in choose and chosen.status_code == 200
    assert walked > 50


def test_the_copy_form_of_another_towns_committee_is_not_prefilled(client, townships, rows):
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))
    _inside, outside = rows[Committee]
    response = client.get(f"/admin/snippets/people/committee/copy/{outside.pk}/")
    assert response.status_code == 404 and OUTSIDE not in response.content.decode()
