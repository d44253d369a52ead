"""Accounts and an exam for the load test (``loadtest/``), on top of ``seed_demo``.

Creates mediators ``loadtest-0001`` … with one shared password and an active membership in one demo committee, and
the exam they sit: one question per page (as on a phone), no limit on
attempts (a taker who submits starts again), drawn from the demo question bank. Idempotent: existing takers and
the exam are kept; only the missing takers are created. Fast: the password is hashed once (PBKDF2 on purpose costs
about a third of a second) and the same hash is stored for every taker, and the rows are bulk-created.

Meant for a load-test database: the exam is published to every mediator."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments import services
from assessments.models import Attempt, QuestionCategory, Quiz, QuizDrawRule
from people.models import Committee, Membership, SignInSession, User
from people.sessions import SessionStore

EXAM_TITLE = "压力测试考试"
USERNAME = "loadtest-{:04d}"
PHONE = "170{:08d}"  # takers sign in by mobile number as mediators do (benchmark_signin, LOADTEST_USERNAME)
DEFAULT_PASSWORD = "Load@2026"  # noqa: S105  (throwaway accounts of a load-test database)


class Command(BaseCommand):
    help = "Create the load test's quiz takers (bulk, one password hash) and the exam they sit. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--takers", type=int, default=2000, help="how many taker accounts must exist")
        parser.add_argument("--questions", type=int, default=20,
                            help="questions per attempt (20, as the demo informant exam; the mediator exam has 40)")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the takers' password")
        parser.add_argument("--json", action="store_true", help="print the exam id and the takers as JSON")
        parser.add_argument("--check", action="store_true", help="only say whether the demo data is there")
        parser.add_argument("--sessions", default="", metavar="FILE",
                            help="also sign every taker in (as if they had logged in before the exam): write their "
                                 "session keys to FILE, one a line, in username order")
        parser.add_argument("--fresh", action="store_true",
                            help="submit the takers' attempts left open by an earlier run, so every taker starts anew")

    @transaction.atomic
    def handle(self, *args, takers: int, questions: int, password: str, **options):
        committee = Committee.objects.filter(kind=Committee.Kind.VILLAGE).order_by("pk").first()
        category = QuestionCategory.objects.filter(depth=1, name="人民调解法").first()
        if options["check"]:
            self.stdout.write(json.dumps({"seeded": committee is not None and category is not None}))
            return
        if committee is None or category is None:
            raise CommandError("No demo data: run `manage.py seed_demo` first.")
        names = [USERNAME.format(n) for n in range(1, takers + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        missing = [name for name in names if name not in existing]
        if missing:
            hashed = make_password(password)  # once: every taker shares it
            created = User.objects.bulk_create([
                User(username=name, name=f"压测{name[-4:]}", password=hashed,
                     phone=PHONE.format(int(name.rsplit("-", 1)[1])))
                for name in missing])
            Membership.objects.bulk_create([
                Membership(person=user, committee=committee, role=Membership.Role.MEDIATOR) for user in created])
        quiz = Quiz.objects.filter(title=EXAM_TITLE).first()
        if quiz is None:
            quiz = Quiz.objects.create(
                title=EXAM_TITLE, kind=Quiz.Kind.CERTIFICATION, audience=Quiz.Audience.MEDIATORS, is_published=True,
                layout=Quiz.Layout.ONE_PER_PAGE, time_limit_minutes=60, max_attempts=None, pass_mark=60,
                description="负载测试用：每页一题，不限次数。")
            QuizDrawRule.objects.create(quiz=quiz, category=category, count=questions, sort_order=0)
        quiz.draw_rules.update(count=questions)  # a rerun may ask for another length (attempts keep what they drew)
        closed = 0
        if options["fresh"]:
            left_open = Attempt.objects.filter(quiz=quiz, status=Attempt.Status.IN_PROGRESS,
                                               user__username__in=names).values_list("pk", flat=True)
            for attempt_id in list(left_open):
                services.attempt_submit(attempt_id=attempt_id)
                closed += 1
        if options["sessions"]:
            self._sign_in(names, Path(options["sessions"]))
        result = {"quiz_id": quiz.pk, "takers": takers, "created": len(missing), "username": USERNAME, "phone": PHONE,
                  "closed": closed}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"exam {quiz.pk} “{EXAM_TITLE}”; {takers} takers ({len(missing)} new), "
                              f"usernames {USERNAME.format(1)}…, password {password}")

    @staticmethod
    def _sign_in(names: list[str], path: Path) -> None:
        """One database session per taker, exactly what ``django.contrib.auth.login`` stores (user, backend, the
        password's session hash), bulk-created. Valid only under the SECRET_KEY this command runs with."""
        store = SessionStore()
        backend = settings.AUTHENTICATION_BACKENDS[-1]  # the one that checks passwords (people.auth)
        users = {user.username: user for user in User.objects.filter(username__in=names)}
        expires = store.get_expiry_date()
        sessions = []
        for name in names:
            user = users[name]
            sessions.append(SignInSession(session_key=store._get_new_session_key(), expire_date=expires, user=user,
                                    session_data=store.encode({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                                                               HASH_SESSION_KEY: user.get_session_auth_hash()})))
        SignInSession.objects.bulk_create(sessions)
        path.write_text("".join(f"{session.session_key}\n" for session in sessions))
