import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """API throttling counts requests in the cache; each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()
