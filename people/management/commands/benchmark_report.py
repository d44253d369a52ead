"""Run every benchmark of the project and write docs/benchmarks.md and docs/benchmarks.json.

Benchmarks are the management commands named ``benchmark_*`` (each follows people.benchmarks: ``--json`` prints
one object), plus the rendering time of the main pages, measured here through Django's test client (no network),
anonymous and as the demo learner and bureau staff when the demo data is loaded.

The report is merged into what is there: a benchmark that did not run this time (``--only``) keeps its last result
in benchmarks.json, and benchmarks.md is rewritten only between its ``<!-- generated:NAME -->`` …
``<!-- /generated:NAME -->`` markers (the header and one table per benchmark); everything outside them — the
hand-written paragraphs and tables with the machine's load and the commands used — is kept as it is. A benchmark
seen for the first time gets its section appended at the end."""

import json
import os
import platform
import re
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

    def handle(self, *args, output, runs, options, only, load, **kwargs):
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

        results.append({"benchmark": "pages", "command": "benchmark_report",
                        "figures": in_process_calibration() + self._pages(runs)})
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        report = {"generated_at": timezone.now().isoformat(timespec="seconds"), "machine": self._machine(),
                  "results": merge_results(_read_json(folder / "benchmarks.json"), results)}
        (folder / "benchmarks.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        markdown = folder / "benchmarks.md"
        markdown.write_text(merge_markdown(markdown.read_text() if markdown.exists() else "", self._sections(report)))
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
    def _sections(report: dict) -> dict[str, str]:
        """The generated parts of benchmarks.md, by name: "header", then one per benchmark."""
        machine = report["machine"]
        sections = {"header": "\n".join([
            f"Generated {report['generated_at']} by `manage.py benchmark_report` on {machine['cpus']} CPUs, "
            f"Python {machine['python']}, database {machine['database']}, tasks {machine['broker']}.", "",
            "Times in milliseconds. *Floor* is the same work done the barest way (e.g. the certificate's "
            "text on a bare reportlab page; for the load test, the bare `/health/` view's server time under "
            "the same load); the ratio says how much the real path costs over it.", "",
            "Each section starts with its **calibration**, measured in the same run (`people/calibration.py`): "
            "a pure-Python loop of 5 million additions (one core's speed as the run got it: ~0.3 s on a quiet "
            "machine of this kind, 0.86 s on the slow one of issue #21) and the bare request floor (`/health/`: "
            "middleware and one `SELECT 1`, through gunicorn for the load tests, through Django's test client "
            "otherwise). Compare runs by their ratios to these, not by milliseconds."])}
        for result in report["results"]:
            lines = [f"## {result['benchmark']} (`{result['command']}`)", "",
                     "| What | n | median | p95 | floor | ×floor | notes |", "|---|---|---|---|---|---|---|"]
            for item in result["figures"]:
                notes = ", ".join(f"{k}={v}" for k, v in item.items() if k not in {
                    "label", "n", "median_ms", "p95_ms", "floor_median_ms", "ratio_to_floor"})
                lines.append(f"| {item['label']} | {item['n']} | {item['median_ms']:.2f} | {item['p95_ms']:.2f} | "
                             f"{item.get('floor_median_ms', '—')} | {item.get('ratio_to_floor', '—')} | {notes} |")
            sections[result["benchmark"]] = "\n".join(lines)
        return sections


def _read_json(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []


def merge_results(old: list[dict], new: list[dict]) -> list[dict]:
    """The old results with this run's replacing those of the same benchmark (order kept, new ones last)."""
    fresh = {result["benchmark"]: result for result in new}
    merged = [fresh.pop(result["benchmark"], result) for result in old]
    return merged + list(fresh.values())


def _block(name: str, text: str) -> str:
    return f"<!-- generated:{name} -->\n{text}\n<!-- /generated:{name} -->"


def merge_markdown(existing: str, sections: dict[str, str]) -> str:
    """``existing`` with each generated block replaced by its new text; hand-written text is kept."""
    if not existing.strip():
        existing = "# Benchmarks\n"
    for name, text in sections.items():
        pattern = re.compile(rf"<!-- generated:{re.escape(name)} -->\n.*?\n<!-- /generated:{re.escape(name)} -->",
                             re.DOTALL)
        if pattern.search(existing):
            existing = pattern.sub(lambda _match, name=name, text=text: _block(name, text), existing, count=1)
        else:
            existing = existing.rstrip("\n") + "\n\n" + _block(name, text) + "\n"
    return existing
