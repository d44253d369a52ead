"""Demo certification for Dalad Banner: the programs, a seal, and a few hundred certificates in every state.

Deterministic (fixed random seed; dates relative to today) and idempotent: a person who has ever held a program's
certificate is left alone, and the revocation and renewal are made only once. PDFs are not rendered here: each is
rendered on its first download, so seeding stays fast."""

import io
import math
import random
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from people.models import BureauSettings, Committee, Membership, User

from . import services
from .models import Certificate, CertificateSettings, Program

BUREAU_NAME = "达拉特旗司法局"
MEDIATOR_EXAM = "人民调解员培训合格考试"
INFORMANT_EXAM = "矛盾纠纷信息员合格考试"
# (slug, name, for mediators, for informants, validity months, min hours, renewal hours, module slugs, exam title,
#  specialty). Specialist renewals need 8 hours: more than any one demo rotation session teaches, so seeding the
# sessions' attendance renews nothing by itself and the demo keeps its certificates about to expire.
PROGRAMS = [
    ("informant", "矛盾纠纷信息员合格证", False, True, 24, 2, 4, ["informant-practice"], INFORMANT_EXAM, ""),
    ("mediator", "人民调解员培训合格证书", True, False, 36, 12, 20,
     ["mediation-law", "ethics-discipline", "fengqiao-model"], MEDIATOR_EXAM, ""),
    ("labor", "劳动争议调解员专项培训合格证书", True, False, 36, 8, 8, ["labor-disputes"], "",
     Committee.Specialty.LABOR),
    ("medical", "医疗纠纷调解员专项培训合格证书", True, False, 36, 8, 8, ["medical-disputes"], "",
     Committee.Specialty.MEDICAL),
    ("traffic", "道路交通事故纠纷调解员专项培训合格证书", True, False, 36, 8, 8, ["traffic-accidents"], "",
     Committee.Specialty.TRAFFIC),
    ("property", "物业纠纷调解员专项培训合格证书", True, False, 36, 8, 8, ["property-management"], "",
     Committee.Specialty.PROPERTY),
]
# What the demo mediator studies online besides what the courses demo gives her (人民调解法 online, 相邻关系 and
# 调解技巧 at the 树林召镇 session): with these she meets every requirement of 人民调解员培训合格证书 but the exam.
MEDIATOR_STUDIES = ["ethics-discipline", "fengqiao-model"]
DESCRIPTIONS = {
    "informant": "掌握矛盾纠纷排查、信息报送与风险预警的基本方法，能够及早发现并上报矛盾纠纷。",
    "mediator": "掌握人民调解法律法规、调解程序与文书制作及常用调解技巧，能够独立主持调解。",
    "labor": "掌握劳动合同、工资报酬与工伤待遇等劳动争议的法律政策和调解实务。",
    "medical": "掌握医疗损害责任、医疗事故鉴定与赔偿等医疗纠纷的法律政策和调解实务。",
    "traffic": "掌握道路交通事故责任认定、损害赔偿计算与保险理赔的法律政策和调解实务。",
    "property": "掌握物业服务合同、物业费与公共收益等物业纠纷的法律政策和调解实务。",
}
REASON = "达拉特旗人民调解员菜单式轮训考核合格（历史记录）"


def _seal_png(text: str) -> bytes:
    """A round red seal: the bureau's name along the rim and a star in the middle, drawn with the PDF's font."""
    size, red = 400, (200, 30, 30, 255)
    image = PILImage.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=12)
    centre, star = size / 2, []
    for i in range(10):
        radius = 62 if i % 2 == 0 else 25
        angle = math.pi / 2 + i * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre - radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(settings.CERTIFICATE_FONT_PATH, 46)
    span = math.radians(230)  # the arc the characters spread over, centred on the top
    for i, char in enumerate(text):
        angle = math.pi / 2 + span / 2 - span * i / (len(text) - 1)
        glyph = PILImage.new("RGBA", (60, 60), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((30, 30), char, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(math.degrees(angle - math.pi / 2), resample=PILImage.BICUBIC)
        x, y = centre + 140 * math.cos(angle), centre - 140 * math.sin(angle)
        image.alpha_composite(glyph, (int(x - 30), int(y - 30)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _settings() -> None:
    bureau = services.site_setting(BureauSettings)
    if bureau.pk and bureau.bureau_name == BureauSettings._meta.get_field("bureau_name").default:
        bureau.bureau_name = BUREAU_NAME
        bureau.save(update_fields=["bureau_name"])
    certificate_settings = services.site_setting(CertificateSettings)
    if certificate_settings.pk and not certificate_settings.seal:
        certificate_settings.seal.save("seal.png", ContentFile(_seal_png(BUREAU_NAME)), save=False)
        certificate_settings.signatory_name = "王建军"
        certificate_settings.save()


def _programs() -> dict[str, Program]:
    """The programs and their requirements (modules and exams by their agreed slugs and titles; the lower apps'
    demos have created them). Setting the same values again changes nothing."""
    from assessments.models import Quiz
    from courses.models import CourseModulePage

    programs = {}
    for order, (slug, name, mediators, informants, months, hours, renewal, modules, exam, _specialty) in enumerate(
            PROGRAMS):
        program, _created = Program.objects.update_or_create(slug=slug, defaults={
            "name": name, "for_mediators": mediators, "for_informants": informants, "validity_months": months,
            "min_training_hours": hours, "renewal_hours": renewal, "sort_order": order,
            "description": DESCRIPTIONS[slug],
        })
        program.required_modules.set(CourseModulePage.objects.filter(slug__in=modules))
        program.required_quizzes.set(Quiz.objects.filter(title=exam))
        programs[slug] = program
    return programs


def _mediator_studies(mediator: User) -> None:
    """Through the courses service, so the records are the ones a learner makes (idempotent)."""
    from courses.demo import study_lesson
    from courses.models import CourseModulePage, LessonPage

    for module in CourseModulePage.objects.filter(slug__in=MEDIATOR_STUDIES).order_by("slug"):
        for lesson in LessonPage.objects.live().child_of(module):
            study_lesson(mediator, lesson)


def _plan(rng: random.Random, programs: dict[str, Program], today) -> list[tuple]:
    """(issued_on, person, program) for the banner's certificates, oldest first so serials follow the dates."""
    plan = []
    members = (Membership.objects.active().select_related("person", "committee")
               .exclude(person__username__in=["mediator", "informant"]).order_by("person__username", "pk"))
    specialty_programs = {specialty: programs[slug] for slug, *_rest, specialty in PROGRAMS if specialty}
    for membership in members:
        if membership.role == Membership.Role.INFORMANT:
            program, share = programs["informant"], 0.7
        else:
            program, share = programs["mediator"], 0.65
        # Draw every number whether or not it is used, so each person gets the same dates on every run.
        roll, age_days, specialty_roll = rng.random(), rng.randint(20, 40 * 30), rng.random()
        if roll < share:
            plan.append((today - timedelta(days=age_days), membership.person, program))
        specialist = specialty_programs.get(membership.committee.specialty)
        if specialist and membership.role == Membership.Role.MEDIATOR and specialty_roll < 0.8:
            plan.append((today - timedelta(days=age_days // 2 + 10), membership.person, specialist))
    # A handful expiring within the next two months, so the reminders and the bureau's "expiring" list show.
    for index, position in enumerate(range(0, len(plan), max(1, len(plan) // 12))):
        _issued_on, person, program = plan[position]
        plan[position] = (today - timedelta(days=program.validity_months * 30 - 5 - index * 4), person, program)
    return sorted(plan, key=lambda entry: (entry[0], entry[1].username, entry[2].slug))


@transaction.atomic
def seed(out) -> list[tuple[str, str, str]]:
    rng = random.Random(2026)  # noqa: S311  (deterministic demo data)
    today = timezone.localdate()
    _settings()
    programs = _programs()
    _mediator_studies(User.objects.get(username="mediator"))
    bureau = User.objects.get(username="bureau")
    held = set(Certificate.objects.values_list("holder_id", "program_id"))

    def issue(person, program, issued_on):
        if (person.pk, program.pk) in held:
            return
        services.certificate_issue(holder=person, program=program, issued_by=bureau, reason=REASON,
                                   issued_on=issued_on, announce=False)
        held.add((person.pk, program.pk))

    for issued_on, person, program in _plan(rng, programs, today):
        issue(person, program, issued_on)
    # The demo informant holds a valid certificate; the demo mediator has yet to earn one.
    issue(User.objects.get(username="informant"), programs["informant"], today - timedelta(days=200))
    services.certificates_expire_due(today=today)

    mediator_certificates = Certificate.objects.filter(program=programs["mediator"]).order_by("serial_number")
    if not mediator_certificates.filter(status=Certificate.Status.REVOKED).exists():
        services.certificate_revoke(certificate=mediator_certificates.filter(status="issued").first(),
                                    revoked_by=bureau, reason="经核查，该同志轮训考核由他人代考，依规撤销证书。")
    if not mediator_certificates.filter(status=Certificate.Status.SUPERSEDED).exists():
        services.certificate_renew(certificate=mediator_certificates.filter(status="expired").first(),
                                   renewed_by=bureau, reason="有效期内完成继续教育20学时，换发新证。",
                                   issued_on=today - timedelta(days=30), announce=False)

    if not mediator_certificates.filter(status=Certificate.Status.SUSPENDED).exists():
        services.certificate_suspend(certificate=mediator_certificates.filter(status="issued").last(),
                                     suspended_by=bureau, reason="年度考核未通过，暂停持证，待复核。")

    counts = {status: Certificate.objects.filter(status=status).count() for status in Certificate.Status.values}
    out.write(f"  certificates: {len(programs)} programs, {sum(counts.values())} certificates "
              f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return []
