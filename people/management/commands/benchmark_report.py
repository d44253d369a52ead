"""Run every benchmark of the project and write docs/benchmarks.md and docs/benchmarks.json.

Benchmarks are the management commands named ``benchmark_*`` (each follows people.benchmarks: ``--json`` prints
one object), plus the rendering time of the main pages, measured here through Django's test client (no network),
anonymous and as the demo learner and bureau staff when the demo data is loaded."""

import json
import os
import platform
import shlex
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from people.benchmarks import figure
from people.models import User

PAGES = {
    None: ["/", "/accounts/login/", "/verify/lookup/"],
    "mediator": ["/me/learning/", "/me/notices/", "/exams/"],
    "bureau": ["/me/bureau/"],
}
# Run only when asked (--load or --only): minutes long, and they need PostgreSQL and Redis.
SLOW = {"benchmark_load", "benchmark_signin"}


def benchmark_names(*, only: list[str], load: bool) -> list[str]:
    """The benchmark commands to run: those named in ``only``, else all but the slow ones unless ``load``."""
    names = sorted(n for n in get_commands() if n.startswith("benchmark_") and n != "benchmark_report")
    if only:
        return [n for n in names if n in only]
    return names if load else [n for n in names if n not in SLOW]


def merged_results(previous: list[dict], new: list[dict]) -> list[dict]:
    """The earlier run's results with those run now in their place (a benchmark run alone with ``--only`` leaves
    the others' figures as they were); new benchmarks go before the pages."""
    fresh = {result["benchmark"]: result for result in new}
    merged = [fresh.pop(result["benchmark"], result) for result in previous]
    at = next((i for i, result in enumerate(merged) if result["benchmark"] == "pages"), len(merged))
    return merged[:at] + list(fresh.values()) + merged[at:]


TABLE_HEADER = "| What | n | median | p95 | floor | ×floor | notes |"


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """``(heading, lines)`` for the preamble (heading "") and each ``## `` section."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    return sections


def _table_span(lines: list[str]) -> tuple[int, int] | None:
    """Where the first generated table (its header, separator and rows) sits in a section's lines."""
    if TABLE_HEADER not in lines:
        return None
    start = end = lines.index(TABLE_HEADER)
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


def keep_hand_written(old: str, new: str, *, ran: set[str]) -> str:
    """The new report, keeping what people wrote by hand in the old one: sections of their own (a quiet-machine
    run, Lighthouse, calibrated load) where they were, and text around a benchmark's generated table (its first
    table; later tables in the section are hand-written). Only the sections of the benchmarks that ran now
    (headings in ``ran``) get their new table; the others stay as they were. The preamble is the new one."""
    new_sections = dict(_sections(new)[1:])
    old_sections = _sections(old)
    out = _sections(new)[0][1]
    placed = set()
    for heading, lines in old_sections[1:]:
        if heading in new_sections and heading in ran:
            generated, span = new_sections[heading], _table_span(lines)
            new_span = _table_span(generated)
            if span and new_span:
                lines = lines[:span[0]] + generated[new_span[0]:new_span[1]] + lines[span[1]:]
            else:
                lines = generated
        placed.add(heading)
        out += [heading, *lines]
    missing = [(heading, lines) for heading, lines in _sections(new)[1:] if heading not in placed]
    pages = next((i for i, line in enumerate(out) if line.startswith("## pages ")), len(out))
    out[pages:pages] = [line for heading, lines in missing for line in (heading, *lines)]
    return "\n".join(out).rstrip("\n") + "\n"


class Command(BaseCommand):
    help = ("Run every benchmark_* command and the page-rendering benchmark; write docs/benchmarks.md and .json. "
            "The load test (benchmark_load: minutes, needs PostgreSQL and Redis) runs only with --load or "
            "--only benchmark_load.")

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs"), help="folder to write to")
        parser.add_argument("--runs", type=int, default=20, help="requests per page")
        parser.add_argument("--options", action="append", default=[], metavar="NAME=ARGS",
                            help='arguments for one benchmark, e.g. benchmark_certificates="--count 200"')
        parser.add_argument("--only", action="append", default=[], help="run only these benchmark commands")
        parser.add_argument("--load", action="store_true", help="also run the load test (benchmark_load)")
        parser.add_argument("--skip-pages", action="store_true",
                            help="keep the pages' figures of the last report (e.g. on a database without the demo)")

    def handle(self, *args, output, runs, options, only, load, skip_pages, **kwargs):
        folder = Path(output)
        previous = folder / "benchmarks.json"
        previous = json.loads(previous.read_text()) if previous.exists() else {"results": []}
        extra = {}
        for item in options:
            name, _sep, value = item.partition("=")
            extra[name] = shlex.split(value)
        names = benchmark_names(only=only, load=load)
        results = []
        for name in names:
            self.stderr.write(f"running {name} …")
            out = StringIO()
            started = time.perf_counter()
            call_command(name, "--json", *extra.get(name, []), stdout=out)
            lines = [line for line in out.getvalue().splitlines() if line.startswith("{")]
            if not lines:
                raise CommandError(f"{name} printed no JSON object (see people.benchmarks)")
            result = json.loads(lines[-1])
            result |= {"command": name, "seconds": round(time.perf_counter() - started, 1)}
            results.append(result)
        from people.calibration import in_process_calibration

        if not skip_pages:
            results.append({"benchmark": "pages", "command": "benchmark_report",
                            "figures": in_process_calibration() + self._pages(runs)})
        report = {"generated_at": timezone.now().isoformat(timespec="seconds"), "machine": self._machine(),
                  "results": merged_results(previous["results"], results)}
        folder.mkdir(parents=True, exist_ok=True)
        markdown = folder / "benchmarks.md"
        written = self._markdown(report)
        if markdown.exists():
            written = keep_hand_written(markdown.read_text(), written,
                                        ran={f"## {r['benchmark']} (`{r['command']}`)" for r in results})
        (folder / "benchmarks.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        markdown.write_text(written)
        self.stdout.write(f"wrote {folder / 'benchmarks.md'} and {folder / 'benchmarks.json'}")

    def _pages(self, runs: int) -> list[dict]:
        figures = []
        for username, urls in PAGES.items():
            host = next((h for h in settings.ALLOWED_HOSTS if not h.startswith(("*", "."))), "localhost")
            client = Client(SERVER_NAME=host)
            if username:
                user = User.objects.filter(username=username).first()
                if user is None:
                    continue  # no demo data: only anonymous pages
                client.force_login(user)
            for url in urls:
                status = client.get(url).status_code  # warm-up (templates, font, connection)
                timings = []
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(url)
                    timings.append(time.perf_counter() - started)
                figures.append(figure(f"GET {url} ({username or 'anonymous'})", timings, status=status))
        return figures

    @staticmethod
    def _machine() -> dict:
        return {"python": platform.python_version(), "cpus": os.cpu_count(), "database": connection.vendor,
                "broker": "eager (in-process)" if settings.CELERY_TASK_ALWAYS_EAGER else "redis"}

    @staticmethod
    def _markdown(report: dict) -> str:
        machine = report["machine"]
        lines = ["# Benchmarks", "",
                 f"Generated {report['generated_at']} by `manage.py benchmark_report` on {machine['cpus']} CPUs, "
                 f"Python {machine['python']}, database {machine['database']}, tasks {machine['broker']}.", "",
                 "Times in milliseconds. *Floor* is the same work done the barest way (e.g. the certificate's "
                 "text on a bare reportlab page; for the load test, the bare `/health/` view's server time under "
                 "the same load); the ratio says how much the real path costs over it.", "",
                 "Each section starts with its **calibration**, measured in the same run (`people/calibration.py`): "
                 "a pure-Python loop of 5 million additions (one core's speed as the run got it: ~0.3 s on a quiet "
                 "machine of this kind, 0.86 s on the slow one of issue #21) and the bare request floor (`/health/`: "
                 "middleware and one `SELECT 1`, through gunicorn for the load tests, through Django's test client "
                 "otherwise). Compare runs by their ratios to these, not by milliseconds.", ""]
        for result in report["results"]:
            lines += [f"## {result['benchmark']} (`{result['command']}`)", "",
                      "| What | n | median | p95 | floor | ×floor | notes |", "|---|---|---|---|---|---|---|"]
            for item in result["figures"]:
                notes = ", ".join(f"{k}={v}" for k, v in item.items() if k not in {
                    "label", "n", "median_ms", "p95_ms", "floor_median_ms", "ratio_to_floor"})
                lines.append(f"| {item['label']} | {item['n']} | {item['median_ms']:.2f} | {item['p95_ms']:.2f} | "
                             f"{item.get('floor_median_ms', '—')} | {item.get('ratio_to_floor', '—')} | {notes} |")
            lines.append("")
        return "\n".join(lines)

