"""REST API of grading (mounted at /api/v1/ through config/api_urls.py).

- ``case-figures/``: the yearly case figures per person, for the bureau's mediation case system. GET lists the
  figures of people in the caller's jurisdiction (``?year=``, ``?person=``); POST sets one person's figures for a
  year (replacing earlier ones; sending the same figures again changes nothing). Bureau staff (and the systems'
  accounts, which are bureau staff) only; a person outside the jurisdiction is refused as unknown."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from people import permissions
from people.api import IsBureauStaff
from people.pagination import StandardPagination

from . import selectors, services
from .exceptions import GradingError
from .models import CaseFigures


class CaseFiguresSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = CaseFigures
        fields = ["id", "person", "person_name", "year", "cases_mediated", "cases_successful", "source",
                  "updated_at"]
        read_only_fields = ["id", "source", "updated_at"]
        # One row per person and year is the service's upsert, not a uniqueness error.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = permissions.people_visible_to(request.user)

    def validate_year(self, year):
        if not 1990 <= year <= timezone.localdate().year:
            raise serializers.ValidationError(_("The year must be between 1990 and %(year)d.") % {
                "year": timezone.localdate().year})
        return year

    def validate(self, data):
        if data["cases_successful"] > data["cases_mediated"]:
            raise serializers.ValidationError({"cases_successful": _("More cases settled than mediated.")})
        return data


class CaseFiguresFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2200)
    person = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


@extend_schema_view(list=extend_schema(parameters=[CaseFiguresFilter]))
class CaseFiguresViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         viewsets.GenericViewSet):
    """Case figures per person and year in the caller's jurisdiction; POST sets a person's figures for a year."""

    permission_classes = [IsBureauStaff]
    serializer_class = CaseFiguresSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        queryset = selectors.case_figures_visible_to(self.request.user)
        if self.action != "list":
            return queryset
        query = CaseFiguresFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        if "person" in filters:
            filters["person_id"] = filters.pop("person")
        return queryset.filter(**filters)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            figures, _changed = services.case_figures_record(
                source=CaseFigures.Source.API, recorded_by=request.user, **serializer.validated_data)
        except GradingError as error:
            raise serializers.ValidationError({"detail": str(error)}) from error
        return Response(self.get_serializer(figures).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("case-figures", CaseFiguresViewSet, basename="case-figures")
urlpatterns = router.urls
