"""The PostgreSQL + Redis leg: a real Celery worker process takes tasks from Redis.

Skipped, with the reason, unless DATABASE_URL names PostgreSQL and CELERY_BROKER_URL names Redis."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_BROKER_URL", "")


def services_configured() -> bool:
    return BROKER.startswith("redis://") and os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


requires_services = pytest.mark.skipif(
    not services_configured(), reason="needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (.ci/run)")


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start ``celery worker`` on a queue of its own against the test database; route this process's tasks there.

    Yields a dict with the worker's ``mail_dir`` (its emails land there as files) and ``log`` path."""
    from config.celery_app import app
    from people.tasks import task_routes, worker_queues

    queue = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"{queue}-"  # the kinds' queues (pdf, messages…) of this run only, all taken by this one worker
    queues = worker_queues(queue, prefix)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # tasks the worker queues itself (a PDF after an issue) come back to it
        "TASK_QUEUE_PREFIX": prefix,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(mail_dir),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    log = open(log_path, "w")  # noqa: SIM115  (closed at teardown)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queues, "-n", f"{queue}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"Celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue", "task_routes")}
    app.conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=queue,
                    task_routes=task_routes(prefix))
    try:
        yield {"mail_dir": mail_dir, "log": log_path, "queue": queue, "queues": queues, "pid": worker.pid, "env": env,
               "media": tmp_path / "media", "private": tmp_path / "private"}
    finally:
        app.conf.update(saved)
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
