"""``benchmark_training`` on a small scale data set: its bare SQL floors count what the product counts (the duty
figures of ``training.selectors.duty_progress`` and the review's passes and failures), and the review it times
leaves the data as generated and a second run writes nothing."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from certificates.models import Certificate, CertificateStatusChange
from training.models import AnnualReview, TrainingDuty

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the floors are PostgreSQL SQL (COPY, date arithmetic): PostgreSQL (DATABASE_URL=postgres://…)")]


def test_the_floors_agree_with_the_product_and_the_review_changes_nothing_twice():
    call_command("generate_scale_data", "--scale", "0.004", stdout=StringIO())
    assert TrainingDuty.objects.count() == 3
    before = (CertificateStatusChange.objects.count(), sorted(Certificate.objects.values_list("status", flat=True)))
    out = StringIO()
    call_command("benchmark_training", "--json", "--runs", "1", "--served-runs", "2", stdout=out)
    figures = {item["label"]: item for item in json.loads(out.getvalue().splitlines()[-1])["figures"]}
    computed, preview = figures["duty figures computed (county, worker)"], figures["review preview (county)"]
    assert computed["agrees_with_floor"] is True and computed["behind"] > 0 and computed["red_flags"] > 0
    assert preview["agrees_with_floor"] is True and preview["passing"] > 0 and preview["failing"] > 0
    first, again = figures["review run (worker path)"], figures["review run again (changes nothing)"]
    assert first["certificate_history_rows"] == preview["failing"] and first["review_history_rows"] == preview["cards"]
    assert again["certificate_history_rows"] == again["review_history_rows"] == 0
    # Rolled back: the data set is as generated.
    assert not AnnualReview.objects.exists()
    assert before == (CertificateStatusChange.objects.count(),
                      sorted(Certificate.objects.values_list("status", flat=True)))
