"""Pure rules of earning a lesson: parts of a recording played, merged; how much of it that covers.

The browser reports the ranges its video or audio element actually played (``HTMLMediaElement.played``); the
server keeps their union, so watching the same minute twice counts once and skipping ahead counts nothing."""

import json

from django.utils.translation import gettext as _

from .exceptions import CoursesError

#: A lesson with a recording completes when this share of it was played ("mostly watched").
WATCHED_SHARE = 0.8
#: One report never adds more than this much reading (a tab left open overnight is not study).
MAX_READ_SECONDS_PER_REPORT = 4 * 3600
MAX_RANGES = 500

Ranges = list[list[float]]


def merge_ranges(ranges, *, limit: float | None = None) -> Ranges:
    """The union of [start, end] ranges, sorted, clipped to [0, limit]; empty and reversed ranges dropped."""
    clipped = []
    for start, end in ranges:
        start, end = max(0.0, float(start)), float(end)
        if limit is not None:
            end = min(end, float(limit))
        if end > start:
            clipped.append([start, end])
    merged: Ranges = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(start, 2), round(end, 2)] for start, end in merged]


def covered_seconds(ranges: Ranges) -> float:
    return sum(end - start for start, end in ranges)


def parse_watched(raw: str) -> Ranges:
    """The ``watched`` field of a report: a JSON list of [start, end] seconds. Refused with a translated error
    when it is anything else."""
    if not raw:
        return []
    try:
        value = json.loads(raw)
        if not isinstance(value, list) or len(value) > MAX_RANGES:
            raise ValueError
        ranges = [[float(start), float(end)] for start, end in value]
    except (ValueError, TypeError):
        raise CoursesError(_("The report of what was played is not readable.")) from None
    if any(start != start or end != end or abs(start) == float("inf") or abs(end) == float("inf")
           for start, end in ranges):  # NaN or infinity
        raise CoursesError(_("The report of what was played is not readable."))
    return ranges


def parse_read_seconds(raw: str) -> int:
    if not raw:
        return 0
    try:
        seconds = int(raw)
    except ValueError:
        raise CoursesError(_("The reading time reported is not a number of seconds.")) from None
    if seconds < 0:
        raise CoursesError(_("The reading time reported is not a number of seconds."))
    return min(seconds, MAX_READ_SECONDS_PER_REPORT)
