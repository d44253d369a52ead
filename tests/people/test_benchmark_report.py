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
                                              "save an answer", "submit 100 questions"]
    assert attempts[0]["n"] == 3 and attempts[0]["median_ms"] > 10 and attempts[1]["median_ms"] > 0
    assert attempts[2]["n"] == 2 and attempts[2]["median_ms"] > 0
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


def test_a_report_keeps_what_was_written_by_hand_and_the_benchmarks_not_run():
    from people.management.commands.benchmark_report import keep_hand_written, merged_results

    table = ["| What | n | median | p95 | floor | ×floor | notes |", "|---|---|---|---|---|---|---|"]
    old = "\n".join(["# Benchmarks", "", "Generated long ago.", "", "## coverage (`benchmark_coverage`)", "",
                     *table, "| county | 5 | 9.00 | 9.00 | — | — |  |", "", "Why it is slow, by hand.", "",
                     "## signin (`benchmark_signin`)", "", "A loaded machine, by hand.", "", *table,
                     "| sign-in | 1 | 1.00 | 1.00 | — | — |  |", "", "## Lighthouse, mobile", "", "By hand.", "",
                     "## pages (`benchmark_report`)", "", *table, "| GET / | 1 | 1.00 | 1.00 | — | — |  |"])
    new = "\n".join(["# Benchmarks", "", "Generated now.", "", "## coverage (`benchmark_coverage`)", "", *table,
                     "| county | 5 | 1.00 | 1.00 | — | — |  |", "", "## signin (`benchmark_signin`)", "", *table,
                     "| sign-in | 1 | 7.00 | 7.00 | — | — |  |", "", "## training (`benchmark_training`)", "", *table,
                     "| review | 1 | 2.00 | 2.00 | — | — |  |", "", "## pages (`benchmark_report`)", "", *table,
                     "| GET / | 1 | 3.00 | 3.00 | — | — |  |"])
    kept = keep_hand_written(old, new, ran={"## coverage (`benchmark_coverage`)", "## training (`benchmark_training`)"})
    assert "Generated now." in kept and "Generated long ago." not in kept
    assert "| county | 5 | 1.00 |" in kept and "Why it is slow, by hand." in kept  # new table, old words
    assert "| sign-in | 1 | 1.00 |" in kept and "A loaded machine, by hand." in kept  # not run: as it was
    assert "## Lighthouse, mobile\n\nBy hand." in kept and "| GET / | 1 | 1.00 |" in kept
    assert kept.index("## training") < kept.index("## pages") and "| review | 1 | 2.00 |" in kept
    results = merged_results([{"benchmark": "coverage", "v": 1}, {"benchmark": "pages", "v": 1}],
                             [{"benchmark": "training", "v": 2}, {"benchmark": "coverage", "v": 2}])
    assert results == [{"benchmark": "coverage", "v": 2}, {"benchmark": "training", "v": 2},
                       {"benchmark": "pages", "v": 1}]
