"""REST API of coverage (mounted at /api/v1/ through config/api_urls.py).

- ``coverage/regions/<code>/``: a region's coverage figures and one row per area, committee (same rows as the
  dashboard), for bureau staff in whose jurisdiction the region lies (404 otherwise), with the dashboard's filters.
- ``me/progress/``: the caller's own enrolled modules with progress, and hours this year against the bureau's target.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.selectors import learning_summary
from people.api import IsBureauStaff
from people.models import BureauSettings

from . import selectors, services
from .forms import FilterForm
from .views import targets_for


class FiguresSerializer(serializers.Serializer):
    headcount = serializers.IntegerField()
    mediators = serializers.IntegerField()
    informants = serializers.IntegerField()
    full_time = serializers.IntegerField()
    part_time = serializers.IntegerField()
    women = serializers.IntegerField()
    certified = serializers.IntegerField()
    certified_percent = serializers.IntegerField()
    expiring = serializers.IntegerField(
        help_text="Certified, the last valid certificate ending within the bureau's window (60 days unless set).")
    expired = serializers.IntegerField(help_text="No valid certificate, but one that ran out.")
    never_trained = serializers.IntegerField()
    hours_average = serializers.DecimalField(max_digits=7, decimal_places=1)
    hours_met = serializers.IntegerField(help_text="Members who reached the annual hours target this year.")
    prejob_done = serializers.IntegerField()
    grades = serializers.DictField(child=serializers.IntegerField())


class CoverageRowSerializer(serializers.Serializer):
    name = serializers.CharField(source="label")
    region_code = serializers.CharField(source="region.code", allow_null=True, default=None)
    committee_id = serializers.IntegerField(source="committee.pk", allow_null=True, default=None)
    figures = FiguresSerializer()


class RegionCoverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    computed_at = serializers.DateTimeField(help_text="When these figures were computed (they are kept a while).")
    total = FiguresSerializer()
    rows = CoverageRowSerializer(many=True)


class FilterParameters(serializers.Serializer):
    period = serializers.CharField(required=False)
    program = serializers.IntegerField(required=False)
    role = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    specialty = serializers.CharField(required=False)


class RegionCoverageView(APIView):
    """Coverage figures of a region in the caller's jurisdiction, with a row per area or committee below it."""

    permission_classes = [IsBureauStaff]

    @extend_schema(parameters=[FilterParameters], responses=RegionCoverageSerializer)
    def get(self, request, code: str):
        region = selectors.region_for(user=request.user, code=code)
        if region is None:
            raise Http404
        filters = FilterForm(request.GET).filters()
        targets = targets_for(request)
        found = services.region_snapshot(region=region, filters=filters, targets=targets)
        level = selectors.region_rows(user=request.user, region=region, filters=filters, figures=found.figures,
                                      targets=targets)
        return Response(RegionCoverageSerializer(
            {"code": region.code, "name": region.name, "computed_at": found.computed_at, "total": level.total,
             "rows": level.rows}).data)


class ModuleProgressSerializer(serializers.Serializer):
    module_id = serializers.IntegerField(source="enrolment.module_id")
    title = serializers.CharField(source="enrolment.module.title")
    credit_hours = serializers.DecimalField(source="enrolment.module.credit_hours", max_digits=4, decimal_places=1)
    lessons = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.IntegerField()
    completed = serializers.BooleanField(source="enrolment.completed_at", default=False)
    due_on = serializers.DateField(source="enrolment.due_on", allow_null=True)


class ProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=1, help_text="Credit hours completed this year.")
    target = serializers.IntegerField(help_text="The bureau's annual hours target.")
    hours_percent = serializers.IntegerField()
    modules = ModuleProgressSerializer(many=True, source="enrolments")


class MyProgressView(APIView):
    """The caller's enrolled modules with progress, and training hours this year against the bureau's target."""

    @extend_schema(responses=ProgressSerializer)
    def get(self, request):
        target = BureauSettings.for_request(request).annual_hours_target
        return Response(ProgressSerializer(learning_summary(user=request.user, target=target)).data)


urlpatterns = [
    path("coverage/regions/<str:code>/", RegionCoverageView.as_view(), name="coverage-region"),
    path("me/progress/", MyProgressView.as_view(), name="me-progress"),
]
