"""Benchmark: how fast one certificate PDF renders, and how fast a worker bulk-issues certificates.

Creates its own banner, committee and people (named 基准测试…), and removes them afterwards. With no broker the
bulk issue runs in-process (eager); with CELERY_BROKER_URL=redis://… the command starts a real Celery worker on a
queue of its own and measures the batch through it."""

import io
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certificates import services
from certificates.models import (
    BulkIssue,
    BulkIssueZip,
    Certificate,
    CertificateStatusChange,
    Program,
    SerialCounter,
)
from certificates.pdf import (
    current_settings,
    make_background,
    register_font,
    render_certificate_pdf,
    render_certificate_whole,
)
from people.benchmarks import add_json_argument, emit, figure
from people.models import Committee, Membership, Notice, Region, User
from people.services.organisation import region_add
from people.tasks import worker_queues

PREFIX = "基准测试"


def _bare_page(certificate) -> bytes:
    """The floor: the certificate's text on a bare reportlab page in the same embedded font, no HTML or CSS."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    output = io.BytesIO()
    canvas = Canvas(output, pagesize=landscape(A4))
    canvas.setFont(register_font(), 16)
    lines = [certificate.issuer_name, certificate.program.name, certificate.holder.name, certificate.serial_number,
             f"{certificate.issued_on} — {certificate.expires_on}", certificate.verification_url()]
    for number, line in enumerate(lines):
        canvas.drawString(80, 480 - number * 40, str(line))
    canvas.showPage()
    canvas.save()
    return output.getvalue()


class Command(BaseCommand):
    help = ("Median time to render a certificate PDF (stamped on its program's background, and whole) next to a bare "
            "reportlab page, and throughput of bulk issuing (--count 10000 for issue 19's batch).")

    def add_arguments(self, parser):
        parser.add_argument("--renders", type=int, default=30)
        parser.add_argument("--count", type=int, default=1000, help="certificates to bulk-issue")
        add_json_argument(parser)

    def handle(self, *args, renders, count, **options):
        program, committee, people = self._setup(count)
        try:
            figures = [*self._render(program, people[0], renders), self._bulk(program, committee, count)]
        finally:
            self._teardown(program, committee)
        emit(self, "certificates", figures, options["json"])

    def _setup(self, count):
        with transaction.atomic():
            root = region_add(parent=None, name=f"{PREFIX}旗", code="999901", level=Region.Level.COUNTY)
            village = region_add(parent=root, name=f"{PREFIX}村", code="999901001", level=Region.Level.VILLAGE)
            committee = Committee.objects.create(region=village, name=f"{PREFIX}人民调解委员会",
                                                 kind=Committee.Kind.VILLAGE)
            tag = uuid.uuid4().hex[:6]
            people = [User(username=f"bench-{tag}-{i}", name=f"测试{i:04d}号") for i in range(count)]
            for person in people:
                person.set_unusable_password()  # nobody logs in as a benchmark person
            people = User.objects.bulk_create(people)
            Membership.objects.bulk_create([Membership(person=p, committee=committee, role=Membership.Role.MEDIATOR)
                                            for p in people])
            program = Program.objects.create(name=f"{PREFIX}合格证书-{tag}", slug=f"benchmark-{tag}")
        return program, committee, people

    def _render(self, program, person, renders):
        certificate, _created = services.certificate_issue(holder=person, program=program, issued_by=None,
                                                           announce=False)
        render_certificate_pdf(certificate)  # registers the font: once per process, not per certificate
        started = time.perf_counter()
        make_background(certificate, current_settings())
        background_seconds = time.perf_counter() - started
        timings, whole, floor = [], [], []
        for _ in range(renders):
            started = time.perf_counter()
            size = len(render_certificate_pdf(certificate))
            timings.append(time.perf_counter() - started)
            started = time.perf_counter()
            whole_size = len(render_certificate_whole(certificate))
            whole.append(time.perf_counter() - started)
            started = time.perf_counter()
            _bare_page(certificate)
            floor.append(time.perf_counter() - started)
        return [figure("PDF render, stamped on the background (target ≤ 2x floor)", timings, floor=floor,
                       kilobytes=round(size / 1024)),
                figure("PDF render, whole (xhtml2pdf)", whole, floor=floor, kilobytes=round(whole_size / 1024)),
                figure("background made (once per program and settings)", [background_seconds])]

    def _bulk(self, program, committee, count):
        requester = User.objects.filter(is_superuser=True).first() or User.objects.exclude(
            username__startswith="bench-").first() or User.objects.first()
        worker = None if settings.CELERY_TASK_ALWAYS_EAGER else self._start_worker()
        try:
            started = time.perf_counter()
            bulk = services.bulk_issue_request(program=program, committee=committee, requested_by=requester,
                                               reason="性能基准测试")
            while True:
                bulk.refresh_from_db()
                if bulk.status in (BulkIssue.Status.DONE, BulkIssue.Status.FAILED):
                    break
                if worker is not None and worker[0].poll() is not None:
                    raise CommandError(f"the worker stopped:\n{Path(worker[1]).read_text()}")
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
        finally:
            if worker is not None:
                worker[0].terminate()
                worker[0].wait(15)
        mode = "Celery worker (Redis)" if worker else "in-process (eager)"
        return figure(f"bulk issue, per certificate ({mode})", [elapsed / max(bulk.issued_count, 1)],
                      issued=bulk.issued_count, per_second=round(bulk.issued_count / elapsed, 1),
                      status=str(bulk.status))

    def _start_worker(self):
        from config.celery_app import app

        queue = f"bench-{uuid.uuid4().hex[:8]}"
        log_path = Path(tempfile.gettempdir()) / f"{queue}.log"  # never inside the project
        log = open(log_path, "w")  # noqa: SIM115  (the worker writes to it until it stops)
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", worker_queues(queue), "-n",
             f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}, cwd=settings.BASE_DIR,
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                raise CommandError(f"the Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        app.conf.task_default_queue = queue
        return worker, log_path

    def _teardown(self, program, committee):
        # Benchmark rows only: real certificates and their history are never deleted.
        with transaction.atomic():
            certificates = Certificate.objects.filter(program=program)
            for certificate in certificates.exclude(pdf=""):
                certificate.pdf.delete(save=False)
            people = User.objects.filter(memberships__committee=committee)
            for bulk in BulkIssue.objects.filter(program=program):
                for bulk_zip in BulkIssueZip.objects.filter(bulk_issue=bulk):
                    if bulk_zip.file:
                        bulk_zip.file.delete(save=False)
                    bulk_zip.status_changes.all().delete()
                    bulk_zip.delete()
                bulk.certificates.clear()
                bulk.status_changes.all().delete()
                bulk.delete()
            CertificateStatusChange.objects.filter(certificate__in=certificates).delete()
            certificates.delete()
            Notice.objects.filter(person__in=people).delete()
            Membership.objects.filter(committee=committee).delete()
            User.objects.filter(pk__in=list(people.values_list("pk", flat=True))).delete()
            region = committee.region
            committee.delete()
            SerialCounter.objects.filter(region__path__startswith=region.get_parent().path).delete()
            program.delete()
            region.get_parent().delete()

