import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_report_runs_the_benchmarks_it_is_given_and_writes_markdown_and_json(tmp_path, mediator_user):
    call_command("benchmark_report", "--only", "benchmark_attempts", "--options",
                 "benchmark_attempts=--attempts 1 --answers 2", "--runs", "2", "--output", str(tmp_path),
                 stdout=StringIO(), stderr=StringIO())
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    assert [r["benchmark"] for r in report["results"]] == ["attempts", "pages"]
    attempts = report["results"][0]["figures"]
    # The calibration of the same run comes first: the loop and the bare request through the same middleware.
    assert [f["label"] for f in attempts] == ["calibration: 5M additions (pure Python)",
                                              "calibration: bare request (in-process + DB)",
                                              "save an answer", "submit 100 questions",
                                              "save an answer (request)", "save an answer (request, signed-in floor)",
                                              "save an answer (SQL alone)"]
    assert attempts[0]["n"] == 3 and attempts[0]["median_ms"] > 10 and attempts[1]["median_ms"] > 0
    assert attempts[2]["n"] == 2 and attempts[2]["median_ms"] > 0
    # A save as the page posts it (signed in, CSRF checked), and its multiple of /health/ measured beside it.
    request = attempts[4]
    assert request["n"] == 40 and request["floor_median_ms"] > 0
    # (the figure divides by the floor before rounding it to 3 decimals: the two may differ in the last digit)
    assert abs(request["ratio_to_floor"] - request["median_ms"] / request["floor_median_ms"]) < 0.01
    assert request["ratio_to_floor"] > 1
    # Against the same bare view behind sign-in, CSRF and a JSON body: a higher floor, so a smaller multiple.
    signed_in = attempts[5]
    assert signed_in["n"] == 40 and signed_in["median_ms"] == request["median_ms"]
    assert request["floor_median_ms"] < signed_in["floor_median_ms"] < signed_in["median_ms"]
    # The statements those two requests sent (the session's read and the answer's UPDATE; the floor's SELECT 1),
    # run alone: the least the save could cost as a multiple of the floor lies between 1 and what it costs.
    alone = attempts[6]
    assert (alone["n"], alone["statements"], alone["floor_statements"]) == (40, 2, 1)
    assert 1 < alone["least_request_x_floor"] < request["ratio_to_floor"]
    pages = {f["label"]: f for f in report["results"][1]["figures"]}
    assert "calibration: 5M additions (pure Python)" in pages
    assert pages["GET /accounts/login/ (anonymous)"]["status"] == 200
    assert pages["GET /me/learning/ (mediator)"]["status"] == 200
    markdown = (tmp_path / "benchmarks.md").read_text()
    assert "| save an answer | 2 |" in markdown and "## pages" in markdown
    assert "| calibration: bare request (in-process + DB) | 50 |" in markdown


def test_the_load_test_runs_only_when_asked():
    from people.management.commands.benchmark_report import benchmark_names

    everything = benchmark_names(only=[], load=True)
    assert {"benchmark_attempts", "benchmark_load"} <= set(everything)
    # Both need PostgreSQL and Redis and take minutes: only when asked.
    slow = {"benchmark_load", "benchmark_signin"}
    assert slow <= set(everything)
    assert benchmark_names(only=[], load=False) == [n for n in everything if n not in slow]
    assert benchmark_names(only=["benchmark_load"], load=False) == ["benchmark_load"]


@pytest.fixture
def mediator_user():
    from tests import factories

    return factories.mediator(username="mediator")


def test_a_new_report_keeps_the_hand_written_text_and_the_results_it_did_not_run():
    """Issue 19: docs/benchmarks.md carries paragraphs written by hand (the machine's load, the commands used);
    regenerating rewrites only the marked tables, and benchmarks.json keeps the benchmarks not run this time."""
    from people.management.commands.benchmark_report import merge_markdown, merge_results

    existing = ("# Benchmarks\n\n<!-- generated:header -->\nold header\n<!-- /generated:header -->\n\n"
                "<!-- generated:certificates -->\n## certificates\nold table\n<!-- /generated:certificates -->\n\n"
                "Measured while six engineers shared the machine (load 7).\n")
    merged = merge_markdown(existing, {"header": "new header", "certificates": "## certificates\nnew table",
                                       "coverage": "## coverage\ntable"})
    assert "old" not in merged and "new header" in merged and "new table" in merged
    assert "Measured while six engineers shared the machine (load 7).\n" in merged
    assert merged.index("load 7") < merged.index("## coverage")  # a first-time section goes at the end
    assert merge_markdown(merged, {"certificates": "## certificates\nnew table"}) == merged  # stable
    old = [{"benchmark": "attempts", "n": 1}, {"benchmark": "certificates", "n": 1}]
    assert merge_results(old, [{"benchmark": "certificates", "n": 2}, {"benchmark": "pages", "n": 3}]) == [
        {"benchmark": "attempts", "n": 1}, {"benchmark": "certificates", "n": 2}, {"benchmark": "pages", "n": 3}]


def test_statements_run_alone_must_find_their_rows_again():
    """Run again after the attempt closed, the save's UPDATE would write nothing and time no write: refused."""
    from assessments.management.commands.benchmark_attempts import _statements_alone

    assert len(_statements_alone(["SELECT 1"], rounds=3)) == 3
    with pytest.raises(RuntimeError, match="found nothing"):
        _statements_alone(["UPDATE people_user SET name = name WHERE id = -1"], rounds=1)
