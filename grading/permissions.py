"""Who may rate a grade: staff of the level the bureau's rule names (county for 3–4, city for 1–2 in Xianning),
or above it, whose jurisdiction holds the person's committee. Built on ``people.permissions``."""

from people import permissions
from people.models import Region

# Higher levels come first: a city's staff may rate what a county may.
LEVEL_ORDER = {Region.Level.PROVINCE: 0, Region.Level.CITY: 1, Region.Level.COUNTY: 2, Region.Level.TOWNSHIP: 3,
               Region.Level.VILLAGE: 4}


def may_rate(user, *, level: str, region: Region) -> bool:
    """Whether ``user`` may approve or reject a grade rated at ``level`` for a person whose committee is in
    ``region``."""
    if permissions.is_administrator(user):
        return True
    if not permissions.can_see_region(user, region):
        return False
    return LEVEL_ORDER[user.jurisdiction.level] <= LEVEL_ORDER[level]


def may_run_round(user, region: Region) -> bool:
    """Opening, publishing, filing and applying a round: bureau staff at county level or above whose jurisdiction
    holds the round's region (a township justice office takes part through the county's round)."""
    return may_rate(user, level=Region.Level.COUNTY, region=region)
