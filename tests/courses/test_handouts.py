"""Issue 17: handouts marked "enrolled people only" live in private storage (people.files) and download only from
their lesson, to people enrolled in the module and staff who may edit the lesson; Wagtail's document view and
/media/ never serve them. Unmarked handouts stay public."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve
from wagtail.documents import get_document_model

from courses import services
from courses.models import PrivateHandout
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% handout of the People's Mediation Law\n"


def _document(title: str, name: str):
    document = get_document_model()(title=title, file=ContentFile(PDF, name=name))
    document._set_document_file_metadata()
    document.save()
    return document


@pytest.fixture
def handouts(django_capture_on_commit_callbacks):
    module = factories.course_module()
    private = _document("讲义：调解协议的效力", "articles.pdf")
    public = _document("公开讲义", "public.pdf")
    public_name, private_name = public.file.name, private.file.name
    lesson = factories.lesson(module=module, body=[
        {"type": "text", "value": "<p>调解协议的效力。</p>"},
        {"type": "document", "value": {"document": private.pk, "enrolled_only": True, "description": ""}},
        {"type": "document", "value": {"document": public.pk, "enrolled_only": False, "description": ""}},
    ])
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()  # publishing protects the marked handout
    private.refresh_from_db()
    return {"module": module, "lesson": lesson, "private": private, "public": public,
            "url": reverse("courses:lesson_handout", args=[lesson.pk, private.pk]),
            "public_name": public_name, "private_name": private_name}


def test_publishing_moves_the_marked_handout_out_of_public_media(handouts):
    handout = PrivateHandout.objects.get(document=handouts["private"])
    assert Path(handout.file.path).read_bytes() == PDF
    assert Path(handout.file.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not default_storage.exists(handouts["private_name"])
    assert not default_storage.exists(handouts["private"].file.name)  # its new name is nowhere in public media
    request = RequestFactory().get("/media/")
    for name in (handouts["private_name"], handouts["private"].file.name):
        with pytest.raises(Http404):
            serve(request, name, document_root=settings.MEDIA_ROOT)
    assert default_storage.exists(handouts["public_name"])  # the unmarked handout is public as before
    assert not PrivateHandout.objects.filter(document=handouts["public"]).exists()


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("not_enrolled", 403), ("enrolled", 200), ("staff_elsewhere", 200), ("lecturer", 403),
    ("module_lecturer", 200),
])
def test_who_may_download_a_private_handout(client, handouts, who, status):
    people = {
        "not_enrolled": factories.mediator,
        "enrolled": lambda: _enrolled(handouts["module"]),
        # Bureau staff edit the whole menu (courses/0005), whatever their jurisdiction: a township elsewhere.
        "staff_elsewhere": lambda: factories.bureau_staff(jurisdiction=factories.region(name="别的镇")),
        "lecturer": factories.lecturer,
        "module_lecturer": lambda: _teaching(handouts["module"]),
    }
    if who != "anonymous":
        client.force_login(people[who]())
    response = client.get(handouts["url"])
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response.url
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert "articles.pdf" in response["Content-Disposition"]


def _enrolled(module):
    learner = factories.mediator()
    services.enrolment_create(person=learner, module=module)
    return learner


def _teaching(module):
    lecturer = factories.lecturer()
    module.lecturers.add(lecturer)
    module.save()
    return lecturer


def test_wagtail_s_own_document_view_does_not_serve_it_to_learners(client, handouts):
    client.force_login(_enrolled(handouts["module"]))
    assert client.get(handouts["private"].url).status_code == 404
    assert client.get(handouts["public"].url).status_code == 200
    client.logout()
    assert client.get(handouts["private"].url).status_code == 404


def test_the_library_s_editors_still_open_it_from_the_admin(client, handouts):
    """Who may change the document in the library (Wagtail's collection policy: its uploader, superusers)."""
    uploader = factories.lecturer()
    get_document_model().objects.filter(pk=handouts["private"].pk).update(uploaded_by_user=uploader)
    for editor in (uploader, factories.UserFactory(is_superuser=True)):
        client.force_login(editor)
        response = client.get(handouts["private"].url, follow=True)
        assert response.redirect_chain[0][0] == reverse("courses:handout_for_editors", args=[handouts["private"].pk])
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert "articles.pdf" in response["Content-Disposition"]
    client.force_login(_enrolled(handouts["module"]))  # a learner, even enrolled: from the lesson only
    assert client.get(handouts["private"].url).status_code == 404
    assert client.get(reverse("courses:handout_for_editors", args=[handouts["private"].pk])).status_code == 404


def test_the_lesson_page_links_the_private_handout_through_its_lesson_only(client, handouts):
    page = client.get(handouts["lesson"].url).content.decode()
    assert handouts["url"] in page and 'data-testid="private-handout"' in page
    assert handouts["private"].url not in page and handouts["private_name"] not in page
    assert handouts["public"].url in page


def test_a_file_replaced_in_the_library_is_moved_to_private_storage_again(handouts, django_capture_on_commit_callbacks):
    document = handouts["private"]
    with django_capture_on_commit_callbacks(execute=True):
        document.file = ContentFile(b"%PDF-1.4\n% second edition\n", name="articles-v2.pdf")
        document.save()
    document.refresh_from_db()
    handout = PrivateHandout.objects.get(document=document)
    assert Path(handout.file.path).read_bytes().endswith(b"second edition\n")
    assert handout.filename == "articles-v2.pdf"
    assert not default_storage.exists("documents/articles-v2.pdf")
    assert len(list(Path(settings.PRIVATE_MEDIA_ROOT, "handouts").iterdir())) == 1  # the old copy is gone


def test_a_handout_on_another_lesson_is_not_reachable_through_this_one(client, handouts):
    other = factories.lesson(module=handouts["module"])
    client.force_login(_enrolled(handouts["module"]))
    assert client.get(reverse("courses:lesson_handout", args=[other.pk, handouts["private"].pk])).status_code == 404
    assert client.get(reverse("courses:lesson_handout", args=[handouts["lesson"].pk,
                                                               handouts["public"].pk])).status_code == 404
