"""Pure scoring rules: no database access, so submitting, re-scoring and tests share exactly one rule."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Question

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Key:
    """What scoring needs to know of a question: its kind, points and which choice ids are right or wrong."""

    kind: str
    points: Decimal
    correct: frozenset[int]
    negative_marking: bool = False

    @classmethod
    def of(cls, question: Question, correct_ids) -> "Key":
        """The key of ``question`` whose right choices are ``correct_ids``."""
        return cls(kind=question.kind, points=question.points, negative_marking=question.negative_marking,
                   correct=frozenset(correct_ids))


def picked_ids(response) -> set[int]:
    if not response:
        return set()
    return set(response.get("choices", ()))


def score_response(key: Key, response) -> Decimal | None:
    """Points earned by a response. None for essays (a person grades them).

    - single choice and true/false: all points for the right choice, none otherwise;
    - multiple choice: each right choice picked earns points / (number of right choices). Without negative
      marking, picking any wrong choice scores zero (少选得部分分，错选不得分). With negative marking, each wrong
      choice picked takes away as much as a right one earns. Never below zero, never above the points."""
    if key.kind == Question.Kind.ESSAY:
        return None
    picked = picked_ids(response)
    if key.kind != Question.Kind.MULTIPLE:
        return key.points if picked and picked == key.correct else Decimal(0)
    if not key.correct:
        return Decimal(0)
    right, wrong = len(picked & key.correct), len(picked - key.correct)
    if wrong and not key.negative_marking:
        return Decimal(0)
    share = key.points / len(key.correct)
    earned = share * (right - wrong)
    return min(key.points, max(Decimal(0), earned)).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(score: Decimal, max_score: Decimal) -> Decimal:
    if not max_score:
        return Decimal(0)
    return (score * 100 / max_score).quantize(CENT, rounding=ROUND_HALF_UP)


def plain(number: Decimal) -> str:
    """80.00 → "80", 2.50 → "2.5" (Decimal.normalize would give "8E+1")."""
    return f"{number:.2f}".rstrip("0").rstrip(".")
