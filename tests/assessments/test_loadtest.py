"""The load test's preparation (loadtest_prepare) and the runner's reading of locust's statistics (benchmark_load).
The load itself needs PostgreSQL, Redis and minutes: it is run by hand (loadtest/README.md), not here."""

import json
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from assessments.management.commands.benchmark_load import Command as BenchmarkLoad
from assessments.management.commands.benchmark_load import step_errors
from assessments.models import Quiz
from people.models import Membership, User
from tests import factories
from tests.assessments import factories as af

pytestmark = pytest.mark.django_db


def prepare(*args) -> dict:
    out = StringIO()
    call_command("loadtest_prepare", "--json", *args, stdout=out)
    return json.loads(out.getvalue().splitlines()[-1])


def test_takers_and_their_exam_are_made_once_and_can_sit_it(tmp_path):
    assert prepare("--check") == {"seeded": False}
    factories.CommitteeFactory()
    for _ in range(6):
        af.question(category=("人民调解法",))
    first = prepare("--takers", "3")
    again = prepare("--takers", "4", "--sessions", str(tmp_path / "sessions.txt"))
    assert (first["created"], again["created"], again["quiz_id"]) == (3, 1, first["quiz_id"])
    takers = User.objects.filter(username__startswith="loadtest-").order_by("username")
    assert [u.username for u in takers] == ["loadtest-0001", "loadtest-0002", "loadtest-0003", "loadtest-0004"]
    assert len({u.password for u in takers}) == 2 and takers[0].check_password("Load@2026")  # one hash a call
    assert Membership.objects.active().filter(person__in=takers, role=Membership.Role.MEDIATOR).count() == 4
    quiz = Quiz.objects.get(pk=first["quiz_id"])
    assert (quiz.layout, quiz.max_attempts, quiz.draw_rules.get().count) == (Quiz.Layout.ONE_PER_PAGE, None, 20)

    # A stored session is a signed-in taker: the exam opens and an attempt starts.
    keys = (tmp_path / "sessions.txt").read_text().split()
    browser = Client()
    browser.cookies["sessionid"] = keys[3]
    assert browser.get(f"/exams/{quiz.pk}/").status_code == 200
    started = browser.post(f"/exams/{quiz.pk}/start/")
    assert "/exams/attempt/" in started["Location"]
    assert takers[3].attempts.count() == 1
    assert prepare("--takers", "4", "--fresh")["closed"] == 1  # a new run starts every taker anew
    assert not takers[3].attempts.filter(status="in_progress").exists()


def test_the_runner_reads_locusts_statistics_per_endpoint(tmp_path):
    stats = tmp_path / "locust_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%\n"
        "POST,save answer,550,2,13,17.4,5.0,139.2,66.0,12.4696,0.0,13,17,20,23,33,46,69,84,140,140,140\n"
        "GET,review,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
        ",Aggregated,550,2,13,17.4,5.0,139.2,66.0,12.4696,0.0,13,17,20,23,33,46,69,84,140,140,140\n")
    options = {"users": 10, "spawn_rate": 5, "run_time": "30s", "think": 30, "questions": 20, "burst": 0,
               "signed_in": True, "workers": 3, "threads": 4}
    figures = BenchmarkLoad._figures(stats, options, (1.0, 0, 0), (2.0, 0, 0))
    assert figures[0] == {"label": "save answer", "n": 550, "median_ms": 13.0, "p95_ms": 46.0, "p99_ms": 84.0,
                          "rps": 12.47, "errors": 2}
    assert [f["label"] for f in figures] == ["save answer", "all requests"]  # endpoints never called are left out
    assert figures[-1]["gunicorn"] == "3x4" and figures[-1]["load_before"] == 1.0


def test_server_times_are_split_by_endpoint_and_phase_from_gunicorns_access_log(tmp_path):
    from datetime import UTC, datetime

    began = datetime(2026, 11, 30, 20, 0, 0, tzinfo=UTC).timestamp()
    log = tmp_path / "access.log"
    log.write_text(
        "[30/Nov/2026:19:59:59 +0000] GET /health/ 200 900\n"  # the calibration's, before the run: skipped
        "[30/Nov/2026:20:00:05 +0000] POST /exams/attempt/7/answer/ 200 12000\n"
        "[30/Nov/2026:20:00:05 +0000] GET /health/ 200 1000\n"
        "[30/Nov/2026:20:00:40 +0000] POST /exams/attempt/7/answer/ 200 4000\n"
        "[30/Nov/2026:20:00:41 +0000] GET /health/ 200 2000\n"
        "[30/Nov/2026:20:00:42 +0000] GET /static/css/site.css 200 300\n"  # not an endpoint of the takers
        "not a line of ours\n")
    times = BenchmarkLoad._server_times(log, 1, began, ramp=30)
    assert times == {"ramp": {"save answer": [12.0], "floor (bare view)": [1.0]},
                     "steady": {"save answer": [4.0], "floor (bare view)": [2.0]}}


def test_the_steady_state_and_the_arrival_window_are_summed_over_all_taker_requests(tmp_path):
    timings = tmp_path / "timings.json"
    rows = [["ramp", 1.0 + n, 900.0, 0] for n in range(20)] + [["steady", 40.0 + n, 10.0 + n, 0] for n in range(100)]
    rows[-1][3] = 1
    timings.write_text(json.dumps(rows))
    steady, arrival = BenchmarkLoad._phases(timings, {"users": 50})
    assert (steady["label"], steady["n"], steady["median_ms"], steady["p95_ms"], steady["errors"]) == (
        "all requests (steady)", 100, 59.5, 104.0, 1)
    assert (arrival["label"], arrival["n"], arrival["p95_ms"], arrival["errors"]) == (
        "all requests (arrival)", 20, 900.0, 0)


def test_the_calibration_says_whether_the_machine_is_as_slow_as_issue_21s():
    from people.calibration import SLOW_MACHINE_LOOPS_PER_S, loop_figure, python_loop_seconds

    assert SLOW_MACHINE_LOOPS_PER_S == 2.33
    assert len(python_loop_seconds(1)) == 1
    fast = loop_figure([0.3, 0.3, 0.31], None)  # two cores at 0.3 s: 6.67 loops a second
    capped = loop_figure([0.5, 0.5, 0.5], 0.6)  # a 0.6-CPU cap: the loop runs at the cap's pace
    assert (fast["machine_loops_per_s"], fast["as_slow_as_issue_21"]) == (6.67, False)
    assert (capped["machine_loops_per_s"], capped["as_slow_as_issue_21"]) == (2.0, True)


def test_the_loops_pace_is_sampled_during_the_run_in_cpu_time(monkeypatch):
    """LoopSampler: a fifth of the loop in a child process, its CPU time ×5, every interval while a run lasts; the
    figure applies the quota in force at each sample."""
    import time

    from people.calibration import LoopSampler, python_loop_seconds

    one = LoopSampler().sample()
    whole = min(python_loop_seconds(1)[0], python_loop_seconds(1)[0])
    assert 0.4 * whole < one < 2.5 * whole  # the same yardstick (hosts drift, hence the wide band)
    uncapped = LoopSampler(interval=0.05)
    paces = iter([0.5, 0.4, 0.6, 0.5, 0.5] + [0.5] * 100)
    monkeypatch.setattr(uncapped, "sample", lambda: next(paces))
    with uncapped:
        time.sleep(0.4)
    figure = uncapped.figure()
    assert figure["n"] >= 3 and figure["median_ms"] == 500.0 and figure["fastest_ms"] == 400.0
    assert figure["machine_loops_per_s"] == round((os.cpu_count() or 1) / 0.5, 2) and figure["cpu_quota"] == "none"
    assert LoopSampler().figure() is None  # no sample, no figure


def test_under_slow_the_quota_follows_the_hosts_pace_to_stay_issue_21s(monkeypatch):
    """--cpu-quota slow: each sample re-sets the cap to 2.33 × the cores' current pace (median of the last three), so
    a host that speeds up or slows down mid-run still gives issue #21's machine, not another."""
    from people.calibration import LoopSampler

    class Cap:  # CpuCap's part the sampler uses (the real one needs root: see the test above)
        def __init__(self):
            self.cpus = 1.0

        def set_cpus(self, cpus):
            self.cpus = cpus

    cap = Cap()
    sampler = LoopSampler(cap=cap, follow_issue_21=True)
    paces = iter([0.45, 0.45, 0.45, 0.9, 0.9, 0.9, 0.9])  # the host halves its pace after three samples
    monkeypatch.setattr(sampler, "sample", lambda: next(paces))
    for _ in range(7):
        sampler.take_one()
    # The median of three follows one sample late; at 0.9 s a loop 2.09 CPUs is no cap on a two-core machine.
    assert sampler.quotas == [1.0, 1.04, 1.04, 1.04, 1.04, 2.09, 2.09]
    assert cap.cpus == 2.09
    figure = sampler.figure()
    assert figure["quota_follows_issue_21"] and figure["cpu_quota"] == "1.0–2.09"
    assert figure["as_slow_as_issue_21"] and figure["machine_loops_per_s"] >= 2.2  # issue #21's pace, not half of it
    fixed = LoopSampler(cap=Cap())  # a number given: the quota stays
    monkeypatch.setattr(fixed, "sample", lambda: 0.45)
    fixed.take_one()
    assert fixed.cap.cpus == 1.0 and fixed.figure()["cpu_quota"] == 1.0


def test_the_slow_quota_makes_this_machine_as_slow_as_issue_21s():
    """``--cpu-quota slow``: from the loop timed here, the quota under which the calibration reads as slow as issue
    #21's machine (2.33 loops a second), never faster."""
    import argparse

    from assessments.management.commands.benchmark_load import _quota
    from people.calibration import loop_figure, quota_as_slow_as_issue_21

    for loop_s in (0.21, 0.3, 0.4145, 0.43, 0.5):
        quota = quota_as_slow_as_issue_21(loop_s)
        # Capped, a loop takes its time divided by the quota (under one CPU) or keeps it (one CPU or more).
        capped = loop_figure([loop_s / min(quota, 1)] * 3, quota)
        assert capped["as_slow_as_issue_21"], (loop_s, quota, capped)
        assert capped["machine_loops_per_s"] > 2.33 - 0.06  # and not much slower than it
    assert quota_as_slow_as_issue_21(0.4145) == 0.96 and quota_as_slow_as_issue_21(0.21) == 0.48
    assert _quota("slow") == "slow" and _quota("0.9") == 0.9
    with pytest.raises(argparse.ArgumentTypeError):
        _quota("fast")


def test_the_cpu_cap_holds_this_process_and_lets_it_go(tmp_path):
    import os
    from pathlib import Path

    from people.calibration import CpuCap

    if os.geteuid() != 0 or not (CpuCap.V1 / "cpu.cfs_quota_us").exists():
        pytest.skip("needs root and the cgroup v1 cpu controller")

    def my_cpu_group() -> str:
        return next(line for line in Path("/proc/self/cgroup").read_text().splitlines() if ":cpu:" in line)

    before = my_cpu_group()
    with CpuCap(1.5, name=f"test-cap-{os.getpid()}") as cap:
        assert my_cpu_group().endswith(f"/test-cap-{os.getpid()}") and os.getpid() in cap.pids()
        assert (cap.group / "cpu.cfs_period_us").read_text().strip() == "10000"  # 10 ms periods: see CpuCap
        assert (cap.group / "cpu.cfs_quota_us").read_text().strip() == "15000"
        cap.set_cpus(0.93)  # LoopSampler following issue #21's pace re-sets it while the run lasts
        assert (cap.group / "cpu.cfs_quota_us").read_text().strip() == "9300" and cap.cpus == 0.93
    assert my_cpu_group() == before and not cap.group.exists()


def test_a_capacity_step_counts_each_endpoints_errors_once_and_reads_past_the_cpu_split():
    """The stepped mode decides from these errors; the CPU split line counts no requests (it has no "errors")."""
    step = [{"label": "save answer", "errors": 2}, {"label": "open exam (ramp)", "errors": 1},
            {"label": "all requests", "errors": 3}, {"label": "all requests (steady)", "errors": 2},
            {"label": "all requests (arrival)", "errors": 1}, {"label": "floor (bare view)", "errors": 5},
            {"label": "cpu: where it went (whole run)", "n": 10, "gunicorn_ms": 7.3}]
    assert step_errors(step) == 3
