"""Quiz takers for locust, doing exactly what the browser does on the exam pages (see site/static/js/attempt.js
and site/templates/assessments/attempt_take.html):

log in once (GET the form for the CSRF cookie and token, POST it) → open the exam → POST "start" (→ the
attempt's first question) → for each question: think, save the answer as attempt.js does (JSON POST with the
X-CSRFToken header) and tap "Next" (the script shows the next question, already in the page: no request) → after
the last question: think, "Submit answers" (form POST → review page) → start again.

Settings come from the environment (``benchmark_load`` sets them; see README.md):
LOADTEST_QUIZ_ID (required), LOADTEST_PASSWORD, LOADTEST_USERNAME (a format, ``loadtest-{:04d}``),
LOADTEST_THINK (seconds between answers, 30), LOADTEST_BURST (seconds: every taker logs in, waits for the same
instant, then starts the exam within this window; 0 = no burst), LOADTEST_RAMP (seconds: requests made before
this moment are reported with " (ramp)" after their name, so the steady state stands apart from the log-in storm),
LOADTEST_SESSIONS (a file of session keys from ``loadtest_prepare --sessions``: takers who logged in before the
exam, so no log-in request is made), LOADTEST_FLOOR (1: one more user asks the bare ``/health/`` view once a
second, "floor (bare view)": the bare request floor measured under the same load), LOADTEST_TIMINGS (a file: every
taker request's phase, time and outcome, written when the test stops, so the runner can give the steady state's and
the arrival window's p95 over all requests, which locust's own table mixes).

Requests are named per endpoint ("save answer", "question page"), never per attempt."""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant_pacing, events, task

QUIZ_ID = int(os.environ.get("LOADTEST_QUIZ_ID", "0"))
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Load@2026")
USERNAME = os.environ.get("LOADTEST_USERNAME", "loadtest-{:04d}")
THINK = float(os.environ.get("LOADTEST_THINK", "30"))
BURST = float(os.environ.get("LOADTEST_BURST", "0"))
RAMP = float(os.environ.get("LOADTEST_RAMP", "0"))
# Takers already signed in (loadtest_prepare --sessions): session keys, one a line, in username order.
SESSIONS = os.environ.get("LOADTEST_SESSIONS", "")
FLOOR = os.environ.get("LOADTEST_FLOOR", "") == "1"
TIMINGS = os.environ.get("LOADTEST_TIMINGS", "")
FLOOR_NAME = "floor (bare view)"

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="q(\d+)" value="([0-9a-f]+)"')
POSITION = re.compile(r'<input type="hidden" name="position" value="(\d+)">')
QUESTIONS = re.compile(r"data-nav=\"(\d+)\"")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

_numbers = itertools.count(1)
_session_keys = Path(SESSIONS).read_text().split() if SESSIONS else []
_started = {"at": None, "burst_at": None}
_timings: list[tuple[str, float, float, int]] = []  # (phase, seconds since start, response ms, 1 = failed)


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    if not TIMINGS or name == FLOOR_NAME or _started["at"] is None:
        return
    elapsed = time.monotonic() - _started["at"]
    _timings.append(("ramp" if name.endswith(" (ramp)") else "steady", round(elapsed, 2), round(response_time, 1),
                     1 if exception else 0))


@events.quitting.add_listener
def _on_quitting(environment, **kwargs):
    if TIMINGS:
        Path(TIMINGS).write_text(json.dumps(_timings))


@events.test_start.add_listener
def _on_test_start(environment, **kwargs):
    _started["at"] = time.monotonic()
    if BURST:
        # Every taker is logged in by then (the runner spawns them all first), then all start within BURST s.
        users = environment.parsed_options.num_users if environment.parsed_options else 0
        rate = environment.parsed_options.spawn_rate if environment.parsed_options else 1
        _started["burst_at"] = _started["at"] + users / max(rate, 0.001) + float(
            os.environ.get("LOADTEST_BURST_AFTER", "30"))


def session_cookie(key: str):
    from http.cookiejar import Cookie

    return Cookie(0, "sessionid", key, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None,
                  None, {})


def think(factor: float = 1.0) -> None:
    """A person reading and choosing: around THINK seconds (half to one and a half times)."""
    gevent.sleep(THINK * factor * random.uniform(0.5, 1.5))  # noqa: S311  (load, not security)


class QuizTaker(FastHttpUser):
    """One person sitting the load-test exam again and again on one account (loadtest-0001, -0002, …)."""

    def named(self, name: str) -> str:
        if RAMP and _started["at"] is not None and time.monotonic() - _started["at"] < RAMP:
            return f"{name} (ramp)"
        return name

    def on_start(self):
        if not QUIZ_ID:
            raise RuntimeError("LOADTEST_QUIZ_ID is not set (run manage.py loadtest_prepare)")
        number = next(_numbers)
        self.username = USERNAME.format(number)
        if _session_keys:
            self.client.cookiejar.set_cookie(session_cookie(_session_keys[number - 1]))
        else:
            while not self.log_in():
                think()  # refused or timed out: try again a little later, as a person would
        if BURST and _started["burst_at"]:
            gevent.sleep(max(0.0, _started["burst_at"] - time.monotonic()) + random.uniform(0, BURST))  # noqa: S311
        else:
            think(0.5)  # takers do not all open the exam at the same second

    def post_form(self, url: str, fields: dict, name: str, **kwargs):
        """POST a form as the browser encodes it (a list value is a field repeated: checkboxes)."""
        return self.client.post(url, data=urlencode(fields, doseq=True), headers=FORM, name=self.named(name),
                                allow_redirects=False, **kwargs)

    def log_in(self) -> bool:
        page = self.client.get("/accounts/login/", name=self.named("login page"))
        with self.post_form("/accounts/login/", {"csrfmiddlewaretoken": self.token(page.text), "next": "",
                                                 "username": self.username, "password": PASSWORD},
                            "log in", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login refused for {self.username} ({response.status_code})")
                return False
        return True

    @staticmethod
    def token(html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    def follow(self, response, name: str):
        """GET the page a form's redirect points to, under its own name."""
        location = response.headers.get("Location", "")
        return self.client.get(location, name=self.named(name)) if location else None

    def save_answer(self, url: str, csrf: str, payload: dict) -> None:
        """As attempt.js: a save the server did not confirm (no connection, a 5xx) is sent again 3 s later; each
        failed try counts as an error."""
        for _try in range(5):
            with self.client.post(url, name=self.named("save answer"), catch_response=True,
                                  data=json.dumps(payload),
                                  headers={"Content-Type": "application/json", "X-CSRFToken": csrf}) as saved:
                if saved.status_code == 200 and saved.json().get("saved"):
                    return
                saved.failure(f"answer not saved ({saved.status_code})")
                if 0 < saved.status_code < 500:
                    return  # refused (closed, invalid): the browser shows the error and does not retry
            gevent.sleep(3)

    @task
    def sit_exam(self):
        exam = self.client.get(f"/exams/{QUIZ_ID}/", name=self.named("open exam"))
        with self.post_form(f"/exams/{QUIZ_ID}/start/", {"csrfmiddlewaretoken": self.token(exam.text)},
                            "start attempt", catch_response=True) as start:
            location = start.headers.get("Location", "")
            if start.status_code != 302 or "/attempt/" not in location:
                start.failure(f"start refused ({start.status_code} → {location})")
                return
        attempt_url = location.split("?")[0]
        page = self.follow(start, "question page")
        if page is None or page.status_code != 200 or "data-autosave" not in page.text:
            return
        # Every question is in the page; the script shows them one at a time without asking the server, so a
        # taker's requests are the answers' saves, then the submission.
        html = page.text
        csrf = self.token(html)
        first = int(POSITION.search(html).group(1))
        total = len(QUESTIONS.findall(html))
        form = {"csrfmiddlewaretoken": csrf, "position": str(total)}
        choices_at: dict[int, list[str]] = {}  # the page read once, not once a question: locust shares the CPU
        for pos, value in CHOICE.findall(html):
            choices_at.setdefault(int(pos), []).append(value)
        for position in range(first, total + 1):
            choices = choices_at.get(position, [])
            picked = [random.choice(choices)] if choices else []  # noqa: S311
            think()
            self.save_answer(f"{attempt_url}answer/", csrf, {"position": position, "choices": picked,
                                                             "flagged": False})
            form |= {f"q{position}-present": "1", f"f{position}-present": "1", f"q{position}": [str(c) for c in picked]}
        think(0.5)  # a last look before submitting
        submitted = self.post_form(f"{attempt_url}submit/", form, "submit attempt")
        self.follow(submitted, "review")


if FLOOR:
    class FloorProbe(FastHttpUser):
        """The bare request floor under the same load: ``/health/`` (middleware and one SELECT 1) once a second.
        Its server time (gunicorn's access log) is what the endpoints' server times are divided by."""

        fixed_count = 1
        wait_time = constant_pacing(1)

        @task
        def floor(self):
            self.client.get("/health/", name=FLOOR_NAME)
