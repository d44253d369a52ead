"""Settings and routing for several app nodes (people/replica.py, config/settings/base.py): which database a read
goes to, read-your-own-writes, pgbouncer's settings, the object store's, and Celery's queues by kind. The real
topology (replica, pgbouncer, SeaweedFS, nginx, two nodes) is exercised by tests/scale/."""

import datetime

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from config.settings import base
from people import replica
from people.tasks import worker_queues

WITH_REPLICA = {**settings.DATABASES, "replica": {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}}


def test_without_a_replica_every_read_goes_to_the_primary():
    assert not replica.replica_configured()
    with replica.heavy_reads():
        assert replica.read_alias() == "default"
    assert replica.replica_lag() is None
    now = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
    assert replica.reads_as_of(now) == now


@override_settings(DATABASES=WITH_REPLICA)
def test_only_heavy_reads_of_an_unpinned_browser_go_to_the_replica():
    router = replica.ReplicaRouter()
    assert router.db_for_read(None) == "default"
    with replica.heavy_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
        with replica.pinned_to_primary():
            assert router.db_for_read(None) == "default"
    assert router.db_for_read(None) == "default"
    assert not router.allow_migrate("replica", "people") and router.allow_migrate("default", "people")


def _seen_by_view(request):
    @replica.heavy_reads
    def view(request):
        return HttpResponse(replica.read_alias())

    return replica.ReplicaPinMiddleware(view)(request)


@override_settings(DATABASES=WITH_REPLICA, REPLICA_PIN_SECONDS=30)
def test_a_browser_that_wrote_reads_its_own_writes_from_the_primary():
    factory = RequestFactory()
    assert _seen_by_view(factory.get("/coverage/")).content == b"replica"
    wrote = _seen_by_view(factory.post("/certificates/bureau/issue/"))
    assert wrote.content == b"default"
    cookie = wrote.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == 30 and cookie["httponly"]
    pinned = factory.get("/coverage/")
    pinned.COOKIES[replica.PIN_COOKIE] = cookie.value
    assert _seen_by_view(pinned).content == b"default"


def test_without_a_replica_the_middleware_sets_no_cookie():
    response = _seen_by_view(RequestFactory().post("/certificates/bureau/issue/"))
    assert replica.PIN_COOKIE not in response.cookies and response.content == b"default"


def test_pgbouncer_and_a_replica_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_POOLER", "pgbouncer")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://academy@127.0.0.1:6432/academy_replica")
    databases = base.scale_out_databases(
        {"default": {**base.env.db_url_config("postgres://academy@127.0.0.1:6432/academy"), "CONN_MAX_AGE": 60}})
    assert databases["replica"]["NAME"] == "academy_replica" and databases["replica"]["TEST"] == {"MIRROR": "default"}
    for alias in ("default", "replica"):
        # transaction pooling: no server-side cursor, no prepared statement outlives its transaction
        assert databases[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert databases[alias]["OPTIONS"]["prepare_threshold"] is None


def test_without_those_variables_the_databases_are_left_as_they_are(monkeypatch):
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
    assert base.scale_out_databases({key: dict(value) for key, value in databases.items()}) == databases


def test_the_object_store_is_chosen_by_the_environment(monkeypatch):
    assert base.file_storages()["private"]["BACKEND"] == "people.files.PrivateFileSystemStorage"
    for name, value in {"STORAGE_BACKEND": "s3", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
                        "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
                        "AWS_STORAGE_BUCKET_NAME": "media", "AWS_PRIVATE_BUCKET_NAME": "private"}.items():
        monkeypatch.setenv(name, value)
    storages = base.file_storages()
    assert {entry["BACKEND"] for entry in storages.values()} == {"storages.backends.s3.S3Storage"}
    assert storages["default"]["OPTIONS"]["querystring_auth"] is False  # public media: plain URLs
    assert storages["private"]["OPTIONS"]["querystring_auth"] is True  # personal files: signed, short-lived
    assert storages["private"]["OPTIONS"]["bucket_name"] == "private"


@pytest.mark.parametrize(("task", "queue"), [
    ("certificates.tasks.certificate_pdf_render", "pdf"),
    ("certificates.tasks.bulk_issue_run", "pdf"),
    ("certificates.tasks.bulk_issue_zip_run", "pdf"),
    ("people.tasks.sms_send", "messages"),
    ("people.tasks.email_send", "messages"),
    ("people.tasks.notice_email_send", "notices"),
    ("dashboard.tasks.region_snapshot_refresh", "dashboard"),
    ("people.tasks.roster_import_run", "imports"),
    ("assessments.tasks.attempts_close_overdue", settings.CELERY_TASK_DEFAULT_QUEUE),
])
def test_celery_routes_each_kind_of_task_to_its_queue(task, queue):
    from config.celery_app import app

    assert app.amqp.router.route({}, task)["queue"].name == queue
    assert queue in worker_queues().split(",")  # a worker taking every task listens there
