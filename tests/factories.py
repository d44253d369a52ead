"""Small builders with sensible defaults. Each test makes only what it needs."""

import itertools
from datetime import date

import factory

from people import services
from people.models import Committee, Grade, Membership, Region, User
from people.roles import StaffRole

_codes = itertools.count(100000)
PASSWORD = "pass-for-tests-1"  # noqa: S105


def region(*, parent: Region | None = None, name: str | None = None, level: str | None = None) -> Region:
    code = str(next(_codes))
    if level is None:
        level = Region.Level.COUNTY if parent is None else (
            Region.Level.TOWNSHIP if parent.level == Region.Level.COUNTY else Region.Level.VILLAGE)
    return services.region_add(parent=parent, name=name or f"地区{code}", code=code, level=level)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试{n}号")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    gender = User.Gender.FEMALE
    password = factory.django.Password(PASSWORD)


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    name = factory.Sequence(lambda n: f"第{n}人民调解委员会")
    region = factory.LazyFunction(region)
    kind = Committee.Kind.VILLAGE
    specialty = ""


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade
        django_get_or_create = ("rank",)

    rank = 4
    name = factory.LazyAttribute(lambda g: f"{g.rank}级调解员")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    committee = factory.SubFactory(CommitteeFactory)
    role = Membership.Role.MEDIATOR
    employment = Membership.Employment.PART_TIME
    joined_on = date(2024, 1, 1)


def mediator(*, committee: Committee | None = None, **user_fields) -> User:
    person = UserFactory(**user_fields)
    MembershipFactory(person=person, committee=committee or CommitteeFactory(), role=Membership.Role.MEDIATOR)
    return person


def informant(*, committee: Committee | None = None, **user_fields) -> User:
    person = UserFactory(**user_fields)
    MembershipFactory(person=person, committee=committee or CommitteeFactory(), role=Membership.Role.INFORMANT)
    return person


def lecturer(**user_fields) -> User:
    return services.staff_role_grant(user=UserFactory(**user_fields), role=StaffRole.LECTURER)


def bureau_staff(*, jurisdiction: Region, **user_fields) -> User:
    return services.staff_role_grant(
        user=UserFactory(**user_fields), role=StaffRole.BUREAU_STAFF, jurisdiction=jurisdiction)


def administrator(**user_fields) -> User:
    return services.staff_role_grant(user=UserFactory(**user_fields), role=StaffRole.ADMINISTRATOR)


_module_slugs = itertools.count(1)


def course_menu():
    """The training menu under the home page (created once)."""
    from courses.models import CourseMenuPage, HomePage

    menu = CourseMenuPage.objects.first()
    if menu is None:
        menu = HomePage.objects.get().add_child(instance=CourseMenuPage(title="培训菜单", slug="menu"))
    return menu


def course_module(*, title: str = "人民调解法及配套规定解读", credit_hours=4, slug: str | None = None, **fields):
    """A published course module page in the menu."""
    from courses.models import CourseModulePage

    module = CourseModulePage(title=title, slug=slug or f"module-{next(_module_slugs)}", credit_hours=credit_hours,
                              **fields)
    return course_menu().add_child(instance=module)
