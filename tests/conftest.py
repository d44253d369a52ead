import os

import pytest

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and progress counters live in the cache; one test's counts must not reach the next."""
    from django.core.cache import cache

    cache.clear()  # fail-safe on Redis too (people.cache)


@pytest.fixture
def county(db):
    """A county with two townships, each with one village; returns the county."""
    county = factories.region(name="测试旗")
    for t in ("甲镇", "乙镇"):
        township = factories.region(parent=county, name=t)
        factories.region(parent=township, name=f"{t}一村")
    return county


@pytest.fixture
def townships(county):
    return list(county.get_children())


@pytest.fixture
def count_queries():
    """``count_queries(fn)`` runs ``fn()`` and returns how many SQL queries it made. For tests that pin a page
    to the same number of queries at two sizes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn) -> int:
        with CaptureQueriesContext(connection) as context:
            fn()
        return len(context.captured_queries)

    return run
