from decimal import Decimal

import pytest

from assessments.models import Question
from assessments.scoring import Key, percent_of, score_response

SINGLE = Key(kind=Question.Kind.SINGLE, points=Decimal(2), correct=frozenset({1}))
MULTI = Key(kind=Question.Kind.MULTIPLE, points=Decimal(3), correct=frozenset({1, 2, 3}))
MULTI_NEG = Key(kind=Question.Kind.MULTIPLE, points=Decimal(3), correct=frozenset({1, 2, 3}), negative_marking=True)


@pytest.mark.parametrize(("key", "picked", "expected"), [
    (SINGLE, [1], "2"), (SINGLE, [2], "0"), (SINGLE, [], "0"), (SINGLE, [1, 2], "0"),
    (MULTI, [1, 2, 3], "3"), (MULTI, [1, 2], "2"), (MULTI, [1], "1"), (MULTI, [1, 2, 4], "0"), (MULTI, [], "0"),
    (MULTI_NEG, [1, 2, 4], "1"), (MULTI_NEG, [1, 4, 5], "0"), (MULTI_NEG, [4, 5], "0"), (MULTI_NEG, [1, 2, 3], "3"),
])
def test_choice_scoring_rules(key, picked, expected):
    assert score_response(key, {"choices": picked}) == Decimal(expected)


def test_an_unanswered_question_scores_zero_and_an_essay_is_left_to_a_person():
    assert score_response(SINGLE, None) == 0
    assert score_response(Key(kind=Question.Kind.ESSAY, points=Decimal(5), correct=frozenset()), {"text": "答"}) is None


def test_partial_credit_rounds_to_cents():
    key = Key(kind=Question.Kind.MULTIPLE, points=Decimal(1), correct=frozenset({1, 2, 3}))
    assert score_response(key, {"choices": [1]}) == Decimal("0.33")
    assert percent_of(Decimal("2"), Decimal("3")) == Decimal("66.67")
