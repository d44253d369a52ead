"""Fixed vocabularies of the training domain (the mediation procedure, working methods, competencies).

These are words of the law and of the bureaus' own practice, used by blocks and models alike. Lists a bureau edits
(module categories, dispute categories) are data instead."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Mediators and informants")
    MEDIATORS = "mediators", _("Mediators")
    INFORMANTS = "informants", _("Informants")
    SPECIALISTS = "specialists", _("Industry / professional mediators")


class ProcedureStage(models.TextChoices):
    """The steps of a mediation (People's Mediation Law arts. 17-33)."""

    INTAKE = "intake", _("Intake and registration")
    TRIAGE = "triage", _("Triage")
    NOTICE = "notice", _("Notice of rights and duties")
    INVESTIGATION = "investigation", _("Investigation")
    MEDIATION = "mediation", _("Mediation")
    AGREEMENT = "agreement", _("Agreement or termination")
    CONFIRMATION = "confirmation", _("Judicial confirmation")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    FILING = "filing", _("Filing")


class WorkingMethod(models.TextChoices):
    FAMILY_AFFECTION = "family_affection", _("Melting it with family affection")
    OUTSIDE_HELP = "outside_help", _("Bringing in outside help")
    EMPATHY = "empathy", _("Putting each side in the other's shoes")
    BACK_TO_BACK = "back_to_back", _("Back-to-back (separate) sessions")
    FACE_TO_FACE = "face_to_face", _("Face-to-face (joint) session")
    COOLING_OFF = "cooling_off", _("Cooling off")
    LAW_BY_CASES = "law_by_cases", _("Explaining the law through cases")
    BALANCING = "balancing", _("Balancing interests")


class Outcome(models.TextChoices):
    AGREEMENT = "agreement", _("Mediation agreement")
    TERMINATION = "termination", _("Mediation terminated")
    CONFIRMATION = "confirmation", _("Agreement judicially confirmed")


class Competency(models.TextChoices):
    """What a simulated mediation scores."""

    LISTENING = "listening", _("Listening")
    LEGAL_ACCURACY = "legal_accuracy", _("Legal accuracy")
    DEESCALATION = "deescalation", _("Emotional de-escalation")
    METHOD = "method", _("Choice of method")
    PROCEDURE = "procedure", _("Procedure")
