"""With Redis down the cache degrades to misses and pages keep working (sessions are in the database)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse

from config.settings.base import fail_safe

DOWN = {"default": fail_safe({"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": "redis://127.0.0.1:1/0"})}


def test_a_redis_cache_url_gets_the_fail_safe_backend():
    assert DOWN["default"]["BACKEND"] == "people.cache.FailSafeRedisCache"
    # Sessions live in the database only: a Redis outage logs nobody out (people.SignInSession, people/sessions.py).
    from importlib import import_module

    from django.contrib.sessions.backends import db

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, db.SessionStore) and not store.__mro__[1].__module__.endswith("cached_db")


def test_every_cache_call_degrades_when_redis_is_down(settings):
    settings.CACHES = DOWN
    cache = caches.create_connection("default")
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False and cache.set("k", 1) is None and cache.delete("k") is False
    assert cache.incr("k") == 1 and cache.get_many(["a", "b"]) == {} and cache.has_key("k") is False


@pytest.mark.django_db
def test_pages_using_the_cache_keep_working_when_redis_is_down(settings, client, townships):
    from tests import factories

    settings.CACHES = DOWN  # Django's setting_changed handler drops the cache connections
    assert type(caches["default"]).__name__ == "FailSafeRedisCache"
    client.force_login(factories.bureau_staff(jurisdiction=townships[0]))
    assert client.get(reverse("people:roster_import")).status_code == 200
    assert client.get(reverse("certificates:lookup"), {"serial_number": "X", "name": "王"}).status_code == 200


def test_the_redis_client_is_built_once_and_reused(settings):
    """Building a ``redis.Redis`` for every cache call cost ~0.1 ms of CPU, several times a page (issue #21)."""
    settings.CACHES = DOWN  # no server needed: a client connects only when it is used
    client = caches.create_connection("default")._cache
    first = client.get_client("a")
    assert client.get_client("b") is first and client.get_client("c", write=True) is first
    assert first.connection_pool is client._get_connection_pool(False)
