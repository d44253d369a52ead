"""Answer-save and submit latencies on the current database (median and p95), with queries per call.

Builds a throw-away quiz of 100 questions and a few learners, measures, then removes what it built. Also a save as
the exam page sends it (a signed-in JSON POST with its CSRF token, through the whole middleware in Django's test
client), alternating with ``/health/``, the bare request floor, and given as a multiple of it (issue #21); and the
statements those two requests send, run alone on the same connection, which bound the multiple from below: a save
can cost no less than the floor, less its ``SELECT 1``, plus its own statements (``least_request_x_floor``). Beside
them, a *signed-in floor*: the same ``SELECT 1`` from a bare view behind what a save passes first (sign-in, the
session read, CSRF, a JSON body), on this module's own URL (``urlpatterns`` below, in process only)."""

import json
import statistics
import time
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.management.base import BaseCommand
from django.db import connection
from django.http import JsonResponse
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path, reverse
from django.views.decorators.http import require_POST

from assessments import services
from assessments.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatusChange,
    Choice,
    Question,
    QuestionCategory,
    Quiz,
    answer_tokens,
)
from assessments.services import QuestionDraft
from people.benchmarks import add_json_argument, emit, figure
from people.fast_sql import prepared_cursor
from people.models import Committee, Membership, Region, User

SIGNED_IN_FLOOR = "/benchmark/signed-in-floor/"


@require_POST
@login_required
def signed_in_floor(request):
    """``/health/``'s ``SELECT 1`` behind what every save passes before its own work: signed in (the session read
    with its user), CSRF-checked, its JSON body read. Only on this module's URL configuration, never served."""
    json.loads(request.body or b"{}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"ok": True})


# The site's URLs with the signed-in floor in front (one pattern and one include deeper for every request alike).
urlpatterns = [path(SIGNED_IN_FLOOR.strip("/") + "/", signed_in_floor), path("", include(settings.ROOT_URLCONF))]


class Command(BaseCommand):
    help = "Print answer-save and submit latencies (median, p95) of the attempt engine on the current database."

    def add_arguments(self, parser):
        parser.add_argument("--attempts", type=int, default=20, help="attempts to submit (each 100 questions)")
        parser.add_argument("--answers", type=int, default=50, help="answers saved per attempt")
        add_json_argument(parser)

    def handle(self, *args, attempts: int, answers: int, **options):
        tag = f"bench-{uuid.uuid4().hex[:8]}"
        if not options["json"]:
            self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        region = Region.add_root(name=tag, code=tag[-12:], level=Region.Level.COUNTY)
        committee = Committee.objects.create(name=tag, region=region, kind=Committee.Kind.VILLAGE)
        questions = [services.question_create(draft=QuestionDraft(
            category=[tag], kind=Question.Kind.MULTIPLE if i % 4 == 0 else Question.Kind.SINGLE,
            text=f"{tag} 第{i}题", points=Decimal(1),
            choices=[("甲", True, ""), ("乙", i % 4 == 0, ""), ("丙", False, ""), ("丁", False, "")]))
            for i in range(100)]
        quiz = Quiz.objects.create(title=tag, kind=Quiz.Kind.CERTIFICATION, is_published=True)
        quiz.fixed_questions.create(question_id=questions[0].pk)
        quiz.draw_rules.create(category=QuestionCategory.objects.get(name=tag), count=99)
        save_times, submit_times, save_queries, submit_queries = [], [], 0, 0
        requests: dict[str, list] = {}
        learners = []
        try:
            for n in range(attempts):
                learner = User.objects.create(username=f"{tag}-{n}", name=f"测试{n}")
                learners.append(learner)
                Membership.objects.create(person=learner, committee=committee, role=Membership.Role.MEDIATOR)
                attempt = services.attempt_start(user=learner, quiz=quiz)
                rows = list(attempt.questions.values_list("position", "choice_order")[:answers])
                for position, order in rows:  # as a page sends them: the question's sealed tokens
                    with CaptureQueriesContext(connection) as ctx:
                        started = time.perf_counter()
                        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=position,
                                                choice_tokens=answer_tokens(attempt.pk, position, order[:1]))
                        save_times.append(time.perf_counter() - started)
                    save_queries = max(save_queries, len(ctx.captured_queries))
                if n == 0:
                    with override_settings(ROOT_URLCONF=__name__):
                        requests = _requests(learner, attempt.pk, rows, rounds=20 * answers)
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    services.attempt_submit(attempt_id=attempt.pk, user=learner)
                    submit_times.append(time.perf_counter() - started)
                submit_queries = max(submit_queries, len(ctx.captured_queries))
            emit(self, "attempts", [
                figure("save an answer", save_times, queries_per_call=save_queries, database=connection.vendor),
                figure("submit 100 questions", submit_times, queries_per_call=submit_queries,
                       database=connection.vendor),
                figure("save an answer (request)", requests["save"], floor=requests["floor"],
                       database=connection.vendor),
                figure("save an answer (request, signed-in floor)", requests["save"], floor=requests["signed_in"],
                       database=connection.vendor),
                figure("save an answer (SQL alone)", requests["save_sql"], floor=requests["floor_sql"],
                       least_request_x_floor=_least_multiple(requests), statements=requests["statements"],
                       floor_statements=requests["floor_statements"], database=connection.vendor),
            ], options["json"])
        finally:
            # Benchmark scaffolding only: the engine itself never deletes attempts.
            attempt_rows = Attempt.objects.filter(quiz=quiz)
            AttemptStatusChange.objects.filter(attempt__in=attempt_rows).delete()
            AttemptQuestion.objects.filter(attempt__in=attempt_rows).delete()
            attempt_rows.delete()
            quiz.delete()
            Choice.objects.filter(question__in=questions).delete()
            Question.objects.filter(pk__in=[q.pk for q in questions]).delete()
            QuestionCategory.objects.filter(name=tag).delete()
            Membership.objects.filter(committee=committee).delete()
            User.objects.filter(pk__in=[u.pk for u in learners]).delete()
            committee.delete()
            region.delete()


def _requests(learner, attempt_id: int, rows, *, rounds: int) -> dict:
    """``rounds`` saves as the exam page posts them, each followed by ``/health/`` and the signed-in floor through the
    same client: the request times of the three (``save``, ``floor``, ``signed_in``), then the statements one save
    and one ``/health/`` sent, run alone as often (``save_sql``, ``floor_sql``; while the attempt is open, so the
    save's still writes). CSRF is checked as for a browser (a cookie, and the masked token in the header)."""
    host = next((h for h in settings.ALLOWED_HOSTS if not h.startswith(("*", "."))), "localhost")
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client = Client(enforce_csrf_checks=True, SERVER_NAME=host)
    client.force_login(learner)
    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    url = reverse("assessments:attempt_answer", args=[attempt_id])
    scheme = "https" if secure else "http"
    headers = {"X-CSRFToken": _mask_cipher_secret(secret), "Origin": f"{scheme}://{host}",
               "Referer": f"{scheme}://{host}/"}
    saves, floors, signed_in = [], [], []
    for n in range(rounds + 10):  # the first ten warm up
        position, order = rows[n % len(rows)]
        body = json.dumps({"position": position, "choices": answer_tokens(attempt_id, position, order[:1])})
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/json", headers=headers, secure=secure)
        saved = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"the save was refused: {response.status_code} {response.content[:200]!r}")
        started = time.perf_counter()
        client.get("/health/", secure=secure)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        response = client.post(SIGNED_IN_FLOOR, body, content_type="application/json", headers=headers,
                               secure=secure)
        bare = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"the signed-in floor was refused: {response.status_code}")
        if n >= 10:
            saves.append(saved)
            floors.append(floor)
            signed_in.append(bare)
    with CaptureQueriesContext(connection) as save_sql:
        client.post(url, body, content_type="application/json", headers=headers, secure=secure)
    with CaptureQueriesContext(connection) as floor_sql:
        client.get("/health/", secure=secure)
    save_statements, floor_statements = ([query["sql"] for query in captured.captured_queries]
                                         for captured in (save_sql, floor_sql))
    return {"save": saves, "floor": floors, "signed_in": signed_in, "statements": len(save_statements),
            "floor_statements": len(floor_statements),
            "save_sql": _statements_alone(save_statements, rounds=rounds),
            "floor_sql": _statements_alone(floor_statements, rounds=rounds)}


def _statements_alone(statements: list[str], *, rounds: int) -> list[float]:
    """The time to run ``statements`` (as a request sent them, values written in) one after the other on the same
    connection, prepared where the request's were: what the database and the driver cost a request, with none of
    Django's work. Re-running a save's statements writes the same answer again, durably, as the request did."""
    times = []
    with prepared_cursor() as cursor:
        for n in range(rounds + 10):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                found = cursor.fetchall() if cursor.description is not None else cursor.rowcount
                if not found:  # e.g. the attempt closed: an UPDATE writing nothing would time no write
                    raise RuntimeError(f"a statement of the request found nothing when run again: {sql[:200]}")
            if n >= 10:
                times.append(time.perf_counter() - started)
    return times


def _least_multiple(requests: dict) -> float:
    """The least a save could cost as a multiple of the floor, were everything but its statements as cheap as the
    floor's: (floor − floor's statements + save's statements) ÷ floor, by medians."""
    floor, floor_sql, sql = (statistics.median(requests[name]) for name in ("floor", "floor_sql", "save_sql"))
    return round((floor - floor_sql + sql) / floor, 2)
