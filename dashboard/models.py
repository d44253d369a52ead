"""The dashboard's one table: region figures as last computed (a read model of the apps below).

A county's figures aggregate every membership, certificate, completion and attempt under it — seconds of database
work at a prefecture's scale. ``RegionSnapshot`` keeps one computed result per region and filter choice, so a page
reads one row; ``services.region_snapshot`` decides when to compute it again (see there)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import Region


class RegionSnapshot(models.Model):
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    # Filters.key() plus the bureau's hour targets: each choice of filters has its own figures.
    key = models.CharField(_("filters"), max_length=200)
    day = models.DateField(_("figures as of day"))  # "today" of the figures (expiry windows, this year's hours)
    computed_at = models.DateTimeField(_("computed at"))
    compute_ms = models.PositiveIntegerField(_("computing time (ms)"))
    # When records under the region last changed (receivers.py). Later than computed_at (the moment the computation
    # began reading) means the figures are out of date; a change during a computation is therefore never lost.
    changed_at = models.DateTimeField(_("records changed at"), null=True, blank=True)
    refresh_requested_at = models.DateTimeField(_("background refresh requested at"), null=True, blank=True)
    viewed_on = models.DateField(_("last viewed on"))
    data = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("region figures snapshot")
        verbose_name_plural = _("region figures snapshots")
        constraints = [models.UniqueConstraint(fields=["region", "key"], name="dashboard_snapshot_one_per_choice")]
        indexes = [models.Index(fields=["viewed_on", "computed_at"], name="dashboard_snapshot_due")]

    def __str__(self):
        return f"{self.region_id} {self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"

    def is_out_of_date(self, now, max_age_seconds: int) -> bool:
        changed = self.changed_at is not None and self.changed_at >= self.computed_at
        return changed or (now - self.computed_at).total_seconds() > max_age_seconds
