"""Whether a person meets a program's requirements: one function, one line of checks per requirement.

New kinds of requirement (exams passed, scenarios finished with a minimum score, training hours, modules
completed) are added as more checks in ``requirements_report``, reading the lower apps' selectors."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from people.models import Membership, User

from .models import Program


@dataclass(frozen=True)
class Requirement:
    description: str
    met: bool
    # Bureau staff issuing by hand (with a recorded reason) may waive a requirement that training records may
    # not show, such as hours taught offline; never who may hold the certificate at all.
    waivable: bool = True


@dataclass
class RequirementReport:
    program: Program
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def unwaivable_unmet(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met and not r.waivable]

    @property
    def unmet(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]


def requirements_report(*, holder: User, program: Program) -> RequirementReport:
    """Each of the program's requirements, met or not, for this person, today."""
    report = RequirementReport(program=program)
    roles = set(Membership.objects.active().filter(person=holder).values_list("role", flat=True))
    eligible = [str(Membership.Role(role).label) for role in program.eligible_roles]
    report.requirements.append(Requirement(
        description=_("Serves on a mediation committee as: %(roles)s") % {"roles": "、".join(eligible)},
        met=bool(roles & set(program.eligible_roles)),
        waivable=False,
    ))
    return report
