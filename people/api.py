"""REST API of people and organisations (mounted at /api/v1/ by config/urls.py).

- Roster read for bureau systems: regions, committees, members with their memberships. Scoped to the caller's
  jurisdiction through ``people.permissions`` (the same rule as the pages); phone and national ID masked.
- ``me/``: the caller's own profile, roles and committee memberships.

Other apps add endpoints the same way: an ``api.py`` with its views and a ``urlpatterns`` list (a ``SimpleRouter``'s
URLs plus plain paths), included in ``config.urls.api_v1``. Views are thin: they validate query parameters with a
small serializer and call a selector that takes the acting user. Shared permission classes live here
(``IsBureauStaff``, ``IsLearner``); pagination is ``people.pagination.StandardPagination`` for every list.
"""

from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from . import permissions as policy
from . import selectors
from .models import Committee, Membership, Region, User


class IsBureauStaff(permissions.BasePermission):
    """Bureau staff with a jurisdiction, and administrators (the systems' accounts are bureau staff too)."""

    def has_permission(self, request, view):
        return policy.is_bureau_staff(request.user)


class IsLearner(permissions.BasePermission):
    """Mediators and informants (people with an active committee membership)."""

    def has_permission(self, request, view):
        return policy.is_learner(request.user)


# --- Serializers --------------------------------------------------------------------------------------------------

class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(allow_null=True, help_text="Division code of the region above, if any.")

    class Meta:
        model = Region
        fields = ["id", "code", "name", "name_en", "level", "parent_code"]


class CommitteeSerializer(serializers.ModelSerializer):
    region = RegionRefSerializer()
    active_members = serializers.IntegerField(help_text="Members whose membership is active today.")

    class Meta:
        model = Committee
        fields = ["id", "name", "kind", "specialty", "region", "established_on", "active_members"]


class CommitteeRefSerializer(serializers.ModelSerializer):
    region = RegionRefSerializer()

    class Meta:
        model = Committee
        fields = ["id", "name", "kind", "region"]


class MembershipSerializer(serializers.ModelSerializer):
    committee = CommitteeRefSerializer()
    grade = serializers.CharField(source="grade.name", allow_null=True, default=None)
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = Membership
        fields = ["id", "committee", "role", "employment", "position", "grade", "joined_on", "left_on", "active"]


class MemberSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", help_text="Masked: 139****1234.")
    national_id = serializers.CharField(source="national_id_masked", help_text="Masked: 150621********123X.")
    memberships = MembershipSerializer(many=True, source="roster_memberships",
                                       help_text="Memberships in the caller's jurisdiction only, open and ended.")

    class Meta:
        model = User
        fields = ["id", "name", "gender", "phone", "national_id", "memberships"]


class ProfileSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone")
    national_id = serializers.CharField(source="national_id_masked")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=selectors.ROLE_NAMES))
    jurisdiction = RegionRefSerializer(allow_null=True)
    memberships = MembershipSerializer(many=True, source="own_memberships")

    class Meta:
        model = User
        fields = ["id", "username", "name", "gender", "email", "phone", "national_id", "roles", "jurisdiction",
                  "memberships"]


# --- Query parameters ---------------------------------------------------------------------------------------------

DIVISION_CODE = r"^[0-9]{1,12}$"


class RegionFilter(serializers.Serializer):
    parent = serializers.RegexField(DIVISION_CODE, required=False,
                                    help_text="Only the regions directly below this division code.")


class CommitteeFilter(serializers.Serializer):
    region = serializers.RegexField(DIVISION_CODE, required=False,
                                    help_text="Division code: committees in this region and below it.")
    kind = serializers.ChoiceField(required=False, choices=Committee.Kind.choices)


class MemberFilter(serializers.Serializer):
    region = serializers.RegexField(DIVISION_CODE, required=False,
                                    help_text="Division code: members of committees in this region and below it.")
    committee = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: with an active membership; false: only ended ones.")


def _filters(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return {key: value for key, value in serializer.validated_data.items() if value is not None}


# --- Views --------------------------------------------------------------------------------------------------------

class RosterViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of the roster endpoints: bureau staff only; query parameters checked by ``filters``; rows from a
    selector that takes the acting user, so an object outside the jurisdiction is simply not found (404)."""

    permission_classes = [IsBureauStaff]
    filters: type[serializers.Serializer]
    selector = None

    def get_queryset(self):
        return type(self).selector(user=self.request.user, **_filters(self.request, self.filters))


@extend_schema_view(list=extend_schema(parameters=[RegionFilter]))
class RegionViewSet(RosterViewSet):
    """Regions in the caller's jurisdiction (the jurisdiction itself and everything below it)."""

    serializer_class = RegionSerializer
    filters = RegionFilter
    selector = staticmethod(selectors.region_roster)


@extend_schema_view(list=extend_schema(parameters=[CommitteeFilter]))
class CommitteeViewSet(RosterViewSet):
    """Mediation committees in the caller's jurisdiction, with their count of active members."""

    serializer_class = CommitteeSerializer
    filters = CommitteeFilter
    selector = staticmethod(selectors.committee_roster)


@extend_schema_view(list=extend_schema(parameters=[MemberFilter]))
class MemberViewSet(RosterViewSet):
    """Mediators and informants with a membership (open or ended) in the caller's jurisdiction. Only memberships
    inside the jurisdiction are shown; phone numbers and national IDs are masked."""

    serializer_class = MemberSerializer
    filters = MemberFilter
    selector = staticmethod(selectors.member_roster)


class MeView(APIView):
    """The caller's own profile, roles and committee memberships (every signed-in user)."""

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        return Response(ProfileSerializer(selectors.own_profile(user=request.user)).data)


router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("committees", CommitteeViewSet, basename="committee")
router.register("members", MemberViewSet, basename="member")

urlpatterns = [*router.urls, path("me/", MeView.as_view(), name="me")]


class ApiSchemaGenerator(SchemaGenerator):
    """Describe the URLs the schema view serves (``SERVE_URLCONF``, /api/v1/) wherever a schema is generated —
    including ``check --deploy``, which would otherwise walk the whole site and trip over Wagtail's internal
    admin API."""

    def __init__(self, *args, urlconf=None, **kwargs):
        super().__init__(*args, urlconf=urlconf or spectacular_settings.SERVE_URLCONF, **kwargs)


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors DRF answers with — 400 for bad
    query parameters, 401/403 for who may call, 404 for an object outside the caller's reach or a page past the
    end, 429 when throttled — so clients (and the schema fuzzing test) can rely on the schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    schemas["InvalidParameters"] = {
        "type": "object", "description": "Each invalid parameter with its messages.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    }
    error = {"$ref": "#/components/schemas/Error"}
    responses = {
        "400": ("Invalid query parameters.", {"$ref": "#/components/schemas/InvalidParameters"}),
        "401": ("Not signed in, or an invalid token.", error),
        "403": ("Signed in, but this role may not call this.", error),
        "404": ("No such object within the caller's reach, or no such page.", error),
        "429": ("Too many requests.", error),
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for code, (description, schema) in responses.items():
                operation["responses"].setdefault(code, {
                    "description": description, "content": {"application/json": {"schema": schema}}})
    return result
