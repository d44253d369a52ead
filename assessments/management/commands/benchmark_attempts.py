"""Answer-save and submit latencies on the current database (median and p95), with queries per call.

Builds a throw-away quiz of 100 questions and a few learners, measures, then removes what it built."""

import time
import uuid
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
from people.models import Committee, Membership, Region, User


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
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    services.attempt_submit(attempt_id=attempt.pk, user=learner)
                    submit_times.append(time.perf_counter() - started)
                submit_queries = max(submit_queries, len(ctx.captured_queries))
            emit(self, "attempts", [
                figure("save an answer", save_times, queries_per_call=save_queries, database=connection.vendor),
                figure("submit 100 questions", submit_times, queries_per_call=submit_queries,
                       database=connection.vendor),
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
