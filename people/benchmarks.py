"""The convention every ``benchmark_*`` command follows, so ``benchmark_report`` can run them all.

A benchmark command accepts ``--json`` and then prints exactly one JSON object on its last line:
``{"benchmark": "<name>", "figures": [figure, ...]}`` where each figure comes from ``figure(...)``: a label, the
sample size, median and p95 in milliseconds, and — where a floor exists (the same work done the barest way) — the
floor's median and the ratio to it. Without ``--json`` the command prints the same figures for people.

The figures start with the run's calibration (people.calibration: a fixed pure-Python workload and the bare request
floor, measured in the same run), which ``emit`` measures when the command did not (a command with a server of its
own measures it through that server): milliseconds mean little without the speed of the machine that gave them."""

import json
import statistics


def figure(label: str, seconds: list[float], *, floor: list[float] | None = None, **extra) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    result = {"label": label, "n": len(ms), "median_ms": round(statistics.median(ms), 3),
              "p95_ms": round(ms[min(len(ms) - 1, round(len(ms) * 0.95) - 1)], 3), **extra}
    if floor:
        floor_median = statistics.median(floor) * 1000
        result |= {"floor_median_ms": round(floor_median, 3), "ratio_to_floor": round(result["median_ms"]
                                                                                         / floor_median, 2)}
    return result


def text(item: dict) -> str:
    line = f"{item['label']:<28} n={item['n']:<5} median={item['median_ms']:8.2f} ms  p95={item['p95_ms']:8.2f} ms"
    if "ratio_to_floor" in item:
        line += f"  floor={item['floor_median_ms']:.2f} ms  ×{item['ratio_to_floor']}"
    extras = {k: v for k, v in item.items() if k not in {"label", "n", "median_ms", "p95_ms", "floor_median_ms",
                                                          "ratio_to_floor"}}
    return line + "".join(f"  {k}={v}" for k, v in extras.items())


def add_json_argument(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object (see people.benchmarks)")


def emit(command, name: str, figures: list[dict], as_json: bool) -> None:
    from .calibration import in_process_calibration, is_calibration

    if not any(is_calibration(item) for item in figures):
        figures = in_process_calibration() + figures
    if as_json:
        command.stdout.write(json.dumps({"benchmark": name, "figures": figures}, ensure_ascii=False))
    else:
        for item in figures:
            command.stdout.write(text(item))
