"""The coverage dashboard: county → township → committee → person, red flags, and every table as CSV/XLSX.

Each page builds its tables once; ``?export=<table key>&format=csv|xlsx`` returns one of them as a file instead."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from people.decorators import bureau_staff_required
from people.models import BureauSettings
from people.replica import REPLICA, heavy_reads, read_alias, replica_lag
from people.spreadsheets import spreadsheet_stream

from . import charts, selectors, services, tables
from .exports import FORMATS, table_export, table_stream_response
from .forms import FilterForm

FLAG_ROWS_SHOWN = 100


def targets_for(request) -> selectors.Targets:
    settings = BureauSettings.for_request(request)
    return selectors.Targets(annual_hours=settings.annual_hours_target, prejob_hours=settings.prejob_hours_target,
                             expiring_days=settings.expiring_within_days)


def _page(request, template: str, context: dict, page_tables: list[tables.Table], name: str):
    """Render the page, or — when the query string asks for it — one of its tables as a spreadsheet."""
    key, file_format = request.GET.get("export"), request.GET.get("format", "xlsx")
    if key:
        table = next((t for t in page_tables if t.key == key), None)
        if table is None or file_format not in FORMATS:
            raise Http404
        content, content_type = table_export(table=table, file_format=file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{name}-{table.title}.{file_format}")
        return response
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("format", None)
    return render(request, template, {**context, "tables": page_tables, "query": query.urlencode(),
                                      "replica_lag": replica_lag_shown()})


def replica_lag_shown():
    """How far behind the figures may be, when this page read them from the replica; None otherwise."""
    return replica_lag() if read_alias() == REPLICA else None


def _region_and_filters(request, code: str):
    """The region (404 outside the user's jurisdiction), the filter form and the filters it chose."""
    area = selectors.region_for(user=request.user, code=code)
    if area is None:
        raise Http404
    form = FilterForm(request.GET)
    return area, form, form.filters()


@bureau_staff_required
def home(request):
    return redirect("coverage:region", code=selectors.home_region(user=request.user).code)


@bureau_staff_required
@heavy_reads
def region(request, code: str):
    area, form, filters = _region_and_filters(request, code)
    targets = targets_for(request)
    found = services.region_snapshot(region=area, filters=filters, targets=targets)
    level = selectors.region_rows(user=request.user, region=area, filters=filters, figures=found.figures,
                                  targets=targets)
    page_tables = [tables.figures_table(level), tables.grades_table(level), tables.trend_table(found.trend),
                   tables.activity_table(found.activity)]
    return _page(request, "dashboard/region.html", {
        "region": area, "level": level, "form": form, "activity": found.activity, "targets": targets,
        "computed_at": found.computed_at, "refreshing": found.refreshing,
        "breadcrumbs": selectors.breadcrumbs(user=request.user, region=area),
        "trend_chart": charts.trend_chart(found.trend), "bar_chart": charts.bar_chart(level.rows),
    }, page_tables, area.name)


@bureau_staff_required
@heavy_reads
def flags(request, code: str):
    area, form, filters = _region_and_filters(request, code)
    found = selectors.red_flags(user=request.user, region=area, filters=filters)
    key, file_format = request.GET.get("export"), request.GET.get("format", "xlsx")
    if key:
        # A download holds every row (a province's lists run to 100,000 members): streamed, read in chunks from
        # the database these heavy reads go to.
        table = next((t for t in tables.flag_tables(found, using=read_alias()) if t.key == key), None)
        if table is None or file_format not in FORMATS:
            raise Http404
        return table_stream_response(table=table, file_format=file_format,
                                     filename=f"{area.name}-{table.title}.{file_format}")
    # The page lists the first rows of each flag (a county's run to thousands).
    return _page(request, "dashboard/flags.html", {
        "region": area, "form": form, "breadcrumbs": selectors.breadcrumbs(user=request.user, region=area),
    }, tables.flag_tables(found, limit=FLAG_ROWS_SHOWN), area.name)


@bureau_staff_required
def duties_home(request):
    return redirect("coverage:duties", code=selectors.home_region(user=request.user).code)


@bureau_staff_required
@heavy_reads
def duties(request, code: str):
    """Who is behind on which training duty: the figures and the lists' first rows from the region's duty
    snapshot; a list's download reads every row from the records, streamed as CSV as it is read."""
    area = selectors.region_for(user=request.user, code=code)
    if area is None:
        raise Http404
    key, file_format = request.GET.get("export"), request.GET.get("format", "xlsx")
    if key in tables.DUTY_LIST_TITLES:
        return _duty_list_download(area, key, file_format)
    found = services.duty_snapshot(region=area)
    page_tables = [tables.duty_figures_table(found, by_committee=selectors.groups_by_committee(area)),
                   *tables.duty_list_tables(found)]
    return _page(request, "dashboard/duties.html", {
        "region": area, "computed_at": found.computed_at, "refreshing": found.refreshing,
        "breadcrumbs": selectors.breadcrumbs(user=request.user, region=area),
    }, page_tables, area.name)


def _duty_list_download(area, key: str, file_format: str):
    if file_format not in FORMATS:
        raise Http404
    headers = [column.label for column in tables.DUTY_LIST_COLUMNS]
    rows = (tables.duty_list_cells(line) for name, line in
            selectors.duty_list_rows(region=area, today=timezone.localdate()) if name == key)
    filename = f"{area.name}-{tables.DUTY_LIST_TITLES[key]}.{file_format}"
    language = translation.get_language()

    def cells():
        # Read as the response is sent, after the view has returned: in the request's language.
        with translation.override(language):
            yield from rows

    chunks, content_type = spreadsheet_stream(headers=headers, rows=cells(), file_format=file_format,
                                              title=tables.DUTY_LIST_TITLES[key])
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@bureau_staff_required
@heavy_reads
def committee(request, pk: int):
    found = selectors.committee_for(user=request.user, pk=pk)
    if found is None:
        raise Http404
    form = FilterForm(request.GET)
    filters = form.filters()
    level = selectors.committee_level(user=request.user, committee=found, filters=filters,
                                      targets=targets_for(request))
    trend = selectors.coverage_trend(region=found.region, filters=filters,
                                     memberships=filters.narrow(found.memberships.all()).order_by())
    page_tables = [tables.figures_table(level), tables.grades_table(level), tables.trend_table(trend)]
    return _page(request, "dashboard/committee.html", {
        "committee": found, "level": level, "form": form, "targets": targets_for(request),
        "breadcrumbs": selectors.breadcrumbs(user=request.user, region=found.region),
        "trend_chart": charts.trend_chart(trend), "bar_chart": charts.bar_chart(level.rows),
    }, page_tables, found.name)


@bureau_staff_required
@heavy_reads
def person(request, pk: int):
    record = selectors.person_record(user=request.user, pk=pk, targets=targets_for(request))
    if record is None:
        raise Http404
    return render(request, "dashboard/person.html", {"record": record, "targets": targets_for(request),
                                                     "replica_lag": replica_lag_shown()})
