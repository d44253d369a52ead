"""Demo data for the assessment engine: the question bank, the two certification exams, practice quizzes on the
course modules that exist, and attempts by demo learners (passed, failed, and essays waiting for a grade).

Deterministic (fixed random seeds, fixed dates relative to a fixed day) and idempotent: questions are found by
their text, quizzes by their title, and a learner who already sat a quiz is not seated again."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses.models import CourseModulePage, LessonPage
from people.models import Membership, User

from . import services
from .demo_questions import ESSAY, ESSAYS, QUESTIONS, SELF_CHECK_CATEGORY, SELF_CHECKS
from .models import (
    Attempt,
    LessonSelfCheckQuestion,
    Question,
    QuestionCategory,
    Quiz,
    QuizDrawRule,
    QuizQuestion,
)
from .services import QuestionDraft

# Half of each category's questions (every other one) form the exams' pool: the exams draw only from it and mark
# it exam only, so practice quizzes (which show full answers) use the other half.
EXAM_POOL = "考试题库"
MEDIATOR_EXAM = "人民调解员培训合格考试"
INFORMANT_EXAM = "矛盾纠纷信息员合格考试"

# Practice quizzes: module slug (from the cross-app contract) → the bank's categories it draws from.
PRACTICE = {
    "mediation-law": ["人民调解法"],
    "ethics-discipline": ["职业道德与纪律"],
    "fengqiao-model": ["枫桥经验与多元解纷"],
    "marriage-family-inheritance": ["民法典/婚姻家庭", "民法典/继承"],
    "neighbours-homestead-land": ["民法典/相邻关系与宅基地"],
    "contracts-lending": ["民法典/合同与民间借贷"],
    "tort-compensation": ["民法典/侵权责任"],
    "labor-disputes": ["专业领域纠纷/劳动争议"],
    "medical-disputes": ["专业领域纠纷/医疗纠纷"],
    "traffic-accidents": ["专业领域纠纷/道路交通事故"],
    "property-management": ["专业领域纠纷/物业纠纷"],
    "land-requisition": ["专业领域纠纷/征地拆迁"],
    "mediation-techniques": ["调解技巧"],
    "communication-deescalation": ["调解技巧"],
    "screening-early-warning": ["信息员实务"],
    "informant-practice": ["信息员实务"],
    "mediation-procedure": ["人民调解法/调解程序"],
    "agreements-case-files": ["调解程序与文书/文书与卷宗", "人民调解法/调解协议与司法确认"],
    "judicial-confirmation": ["人民调解法/调解协议与司法确认"],
    "online-mediation": ["调解程序与文书/在线调解"],
}
PRACTICE_SIZE = 10

# Learners' answers to the essays, by essay (two versions each, so not every learner writes the same words).
ESSAY_ANSWERS = {
    ESSAYS[0][0]: [
        "人民调解要坚持自愿平等、依法调解、尊重当事人诉讼权利三项原则。去年村里两户因为排水沟吵架，我先分别听双方讲，"
        "征得同意后请了老支书一起去现场看，讲清相邻关系的法律规定，最后双方自愿签了协议，我也告诉他们如果不满意可以去法院。",
        "三项原则：当事人自愿平等；不违背法律、法规和国家政策；不能因为调解阻止当事人去仲裁、起诉。调解赡养纠纷时，"
        "我没有逼子女签字，而是讲清民法典规定的赡养义务，让他们自己商量出每月给付的数额。",
    ],
    ESSAYS[1][0]: [
        "先把双方分开，稳住情绪；甲扬言报复，我会马上向司法所和派出所报告。然后查宅基地证、村里的审批档案，到现场量界址，"
        "找四邻了解历史情况。分别做工作，必要时请双方信任的长辈参加，拿出方案让双方自愿接受，调不成就终止并告知可以起诉。",
        "第一步制止冲突、报告派出所，防止激化；第二步调查，看不动产权证书和审批材料；第三步背靠背做工作，"
        "最后在现场共同确认界址，签调解协议，约定好砌墙的位置和费用分担，并做好回访。",
    ],
}


def _bank(author) -> dict[str, QuestionCategory]:
    """Create the questions not yet in the bank (found by their text)."""
    existing = set(Question.objects.values_list("text", flat=True))
    seen_in_category: dict[str, int] = {}
    for path, kind, text, choices, answer, explanation, reference, difficulty in QUESTIONS:
        seen_in_category[path] = seen_in_category.get(path, 0) + 1
        if text in existing:
            continue
        if kind == Question.Kind.TRUE_FALSE:
            options = [("正确", answer is True, ""), ("错误", answer is False, "")]
        else:
            options = [(choice, "ABCDEF"[i] in answer,
                        "" if "ABCDEF"[i] in answer else f"不对。{explanation}") for i, choice in enumerate(choices)]
        services.question_create(author=author, draft=QuestionDraft(
            category=path.split("/"), kind=kind, text=text, choices=options, explanation=explanation,
            legal_reference=reference, difficulty=difficulty,
            tags=(EXAM_POOL,) if seen_in_category[path] % 2 else (),
            points=Decimal(2) if kind == Question.Kind.MULTIPLE else Decimal(1)))
    for text, rubric, points in ESSAYS:
        if text not in existing:
            services.question_create(author=author, draft=QuestionDraft(
                category=[ESSAY], kind=Question.Kind.ESSAY, text=text, choices=[], rubric=rubric,
                points=Decimal(points)))
    return {node.full_name.replace(" / ", "/"): node for node in QuestionCategory.objects.all()}


def _self_checks(author) -> int:
    """The self-checks of the law module's lessons: their questions (found by text) put on each lesson and
    published as the lecturer's revision, so the admin's edit form shows them too. Returns how many lessons have
    one."""
    existing = {q.text: q for q in Question.objects.filter(category__name=SELF_CHECK_CATEGORY[-1])}
    bureau = User.objects.filter(username="bureau").first()
    done = 0
    for (module_slug, lesson_slug), specs in SELF_CHECKS.items():
        lesson = LessonPage.objects.filter(slug=lesson_slug, url_path__contains=f"/{module_slug}/").first()
        if lesson is None:
            continue  # the courses demo has not created this lesson (yet)
        done += 1
        if lesson.self_check_questions.exists():
            continue
        questions = [existing.get(text) or services.question_create(author=author, draft=QuestionDraft(
            category=SELF_CHECK_CATEGORY, kind=kind, text=text, choices=choices, explanation=explanation,
            legal_reference=reference, difficulty=Question.Difficulty.EASY))
            for kind, text, choices, explanation, reference in specs]
        lesson.self_check_questions = [LessonSelfCheckQuestion(question=question, sort_order=i)
                                       for i, question in enumerate(questions)]
        lesson.save_revision(user=lesson.owner).publish(user=bureau)
    return done


def _quiz(title: str, *, draws: list[tuple[QuestionCategory, int]], fixed=(), **fields) -> Quiz:
    quiz = Quiz.objects.filter(title=title).first()
    if quiz:
        return quiz
    quiz = Quiz.objects.create(title=title, is_published=True, **fields)
    for i, question in enumerate(fixed):
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=i)
    exam = quiz.kind == Quiz.Kind.CERTIFICATION
    for i, (category, count) in enumerate(draws):
        QuizDrawRule.objects.create(quiz=quiz, category=category, count=count, sort_order=i,
                                    tag=EXAM_POOL if exam else "", exam_only=exam)
    return quiz


def _sit(quiz: Quiz, learner: User, *, skill: float, started, rng: random.Random, essays: bool = False) -> Attempt:
    """A learner takes the quiz: right answers with probability ``skill``, the essays if ``essays``; submits after
    25 minutes."""
    attempt = services.attempt_start(user=learner, quiz=quiz, now=started, rng=rng)
    rows = attempt.questions.select_related("question").prefetch_related("question__choices")
    for step, row in enumerate(rows, start=1):
        at = started + timedelta(seconds=20 * step)
        if row.question.kind == Question.Kind.ESSAY:
            if essays and row.question.text in ESSAY_ANSWERS:
                services.attempt_answer(attempt_id=attempt.pk, user=learner, position=row.position,
                                        text=rng.choice(ESSAY_ANSWERS[row.question.text]), now=at)
            continue
        choices = list(row.question.choices.all())
        right = [c.pk for c in choices if c.is_correct]
        wrong = [c.pk for c in choices if not c.is_correct]
        picks = right if rng.random() < skill or not wrong else [rng.choice(wrong)]
        services.attempt_answer(attempt_id=attempt.pk, user=learner, position=row.position, choices=picks, now=at)
    return services.attempt_submit(attempt_id=attempt.pk, user=learner, now=started + timedelta(minutes=25))


def _learners(role: str, count: int) -> list[User]:
    ids = (Membership.objects.active().filter(role=role, person__username__startswith="dlt")
           .order_by("person__username").values_list("person_id", flat=True).distinct())
    return list(User.objects.filter(pk__in=list(ids)[:count]).order_by("username"))


@transaction.atomic
def seed(out) -> list[tuple[str, str, str]]:
    rng = random.Random(2026)  # noqa: S311  (deterministic demo data, not security)
    lecturers = {u.username: u for u in User.objects.filter(username__in=["lecturer", "lecturer2", "lecturer3"])}
    lecturer = lecturers.get("lecturer")
    categories = _bank(lecturer)
    checked = _self_checks(lecturer)
    essays = list(Question.objects.filter(kind=Question.Kind.ESSAY).order_by("pk"))
    common = {"kind": Quiz.Kind.CERTIFICATION, "pass_mark": 60, "max_attempts": 3,
              "grading_method": Quiz.GradingMethod.HIGHEST, "review_policy": Quiz.ReviewPolicy.CORRECTNESS}
    mediator_exam = _quiz(
        MEDIATOR_EXAM, audience=Quiz.Audience.MEDIATORS, time_limit_minutes=60, owner=lecturer,
        description="考试共40道客观题和2道简答题，限时60分钟，60分及格，最多可考3次，取最高成绩。简答题由讲师评分。",
        fixed=essays[:2], draws=[(categories["人民调解法"], 12), (categories["职业道德与纪律"], 4),
                                 (categories["枫桥经验与多元解纷"], 2), (categories["民法典"], 10),
                                 (categories["专业领域纠纷"], 6), (categories["调解技巧"], 4),
                                 (categories["调解程序与文书"], 2)], **common)
    informant_exam = _quiz(
        INFORMANT_EXAM, audience=Quiz.Audience.INFORMANTS, time_limit_minutes=30, owner=lecturers.get("lecturer2"),
        layout=Quiz.Layout.ONE_PER_PAGE,
        description="考试共20道题，每页一题，限时30分钟，60分及格，最多可考3次。",
        draws=[(categories["信息员实务"], 5), (categories["人民调解法/总则与原则"], 4),
               (categories["人民调解法/调解程序"], 5), (categories["职业道德与纪律"], 4),
               (categories["枫桥经验与多元解纷"], 2)], **common)

    practice = 0
    modules = {m.slug: m for m in CourseModulePage.objects.filter(slug__in=PRACTICE)}
    owners = [u for u in lecturers.values() if u]
    for i, (slug, paths) in enumerate(PRACTICE.items()):
        module = modules.get(slug)
        if module is None:
            continue  # the courses demo has not created this module (yet)
        share = max(1, PRACTICE_SIZE // len(paths))
        _quiz(f"{module.title} · 练习", kind=Quiz.Kind.PRACTICE, module=module, pass_mark=60,
              review_policy=Quiz.ReviewPolicy.FULL, owner=owners[i % len(owners)] if owners else None,
              description="随堂练习，不限时、不限次数，交卷后可查看答案和解析。",
              draws=[(categories[path], share) for path in paths])
        practice += 1

    # Attempts, dated relative to a fixed day so re-runs and screenshots agree.
    day = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
    seated = set(Attempt.objects.values_list("quiz_id", "user_id"))
    for n, learner in enumerate(_learners("mediator", 14)):
        if (mediator_exam.pk, learner.pk) in seated:
            continue
        skill = 0.35 + 0.05 * n
        started = day + timedelta(days=n, hours=n % 3)
        _sit(mediator_exam, learner, skill=skill, started=started, rng=rng, essays=bool(n % 4))
        if n < 3:  # failed first, passed the second time
            _sit(mediator_exam, learner, skill=0.9, started=started + timedelta(days=7), rng=rng, essays=True)
    # Grade all but the three most recent attempts' essays; those wait in the lecturer's queue.
    awaiting = Attempt.objects.filter(quiz=mediator_exam, status=Attempt.Status.AWAITING_GRADING)
    for attempt in list(awaiting.order_by("started_at"))[:-3]:
        for row in attempt.questions.filter(question__kind=Question.Kind.ESSAY, score__isnull=True):
            points = Decimal(rng.choice([3, 3.5, 4, 4.5]))
            services.essay_grade(attempt_question_id=row.pk, grader=lecturer, points=points,
                                 comment="要点基本齐全，法条引用准确，建议结合案例写得更具体。",
                                 now=attempt.submitted_at + timedelta(days=1))
    for n, learner in enumerate(_learners("informant", 8)):
        if (informant_exam.pk, learner.pk) not in seated:
            _sit(informant_exam, learner, skill=0.4 + 0.07 * n, started=day + timedelta(days=n, hours=2), rng=rng)
    informant = User.objects.filter(username="informant").first()
    if informant and (informant_exam.pk, informant.pk) not in seated:
        # Passed: the demo informant holds the informant certificate (certificates/demo.py), and a failed exam
        # next to a valid certificate told a story the demo did not mean.
        _sit(informant_exam, informant, skill=1.0, started=day + timedelta(days=3), rng=rng)

    out.write(f"  assessments: {Question.objects.count()} questions, {Quiz.objects.count()} quizzes "
              f"({practice} practice), {Attempt.objects.count()} attempts, {checked} lessons with a self-check")
    return []
