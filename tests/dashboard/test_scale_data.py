"""generate_scale_data --province (issue 19) at a tiny scale: the tree's shape, the rows per level, and its refusal
to run twice. The full size is measured in docs/benchmarks.md."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from assessments.models import Attempt
from certificates.models import Certificate
from dashboard.management.commands.generate_scale_data import PROVINCE, PROVINCE_CODE, PROVINCE_STAFF_USERNAME
from people.models import Committee, Membership, Region, User

pytestmark = pytest.mark.django_db


def test_the_full_province_is_12_cities_of_10_counties_of_100_committees():
    assert [(level, count) for level, count, _suffix in PROVINCE.tree(PROVINCE.committees)] == [
        ("city", 12), ("county", 10), ("township", 10), ("village", 10)]


def test_the_province_at_a_tiny_scale_has_its_counts_per_level():
    call_command("generate_scale_data", "--province", "--scale", "0.001", stdout=io.StringIO())
    province = Region.objects.get(code=PROVINCE_CODE)
    under = Region.objects.filter(path__startswith=province.path)
    assert dict(under.values_list("level").annotate(n=Count("pk")).order_by()) == {
        "province": 1, "city": 12, "county": 120, "township": 120, "village": 120}
    assert province.numchild == 12 and under.filter(level="city", numchild=10).count() == 12
    assert {r.code for r in province.get_children()} == {f"98{c:02d}00" for c in range(1, 13)}
    assert under.get(code="981203").get_parent().code == "981200"  # division codes nest as the tree does
    members = Membership.objects.filter(committee__region__path__startswith=province.path)
    assert Committee.objects.filter(region__path__startswith=province.path).count() == 120
    assert members.count() == 200 and members.values("committee").distinct().count() == 120
    certificates = Certificate.objects.filter(holder__memberships__in=members)
    assert 200 < certificates.count() <= 400
    assert certificates.filter(status="issued").values("holder").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert Attempt.objects.filter(user__memberships__in=members).count() == 4000
    staff = User.objects.get(username=PROVINCE_STAFF_USERNAME)
    assert staff.jurisdiction == province
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_scale_data", "--province", "--scale", "0.001", stdout=io.StringIO())
