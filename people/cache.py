"""A Redis cache that degrades instead of failing: when Redis is down, reads miss, writes are dropped and the page
still renders. The cache here only holds progress counters and rate-limit windows; sessions live in the
database, so nobody is logged out by a Redis outage."""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _fail_safe(method, fallback):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            log.warning("cache unavailable, %s skipped: %s", method.__name__, error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    return wrapper


class FailSafeRedisCache(RedisCache):
    get = _fail_safe(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _fail_safe(RedisCache.get_many, {})
    has_key = _fail_safe(RedisCache.has_key, False)
    add = _fail_safe(RedisCache.add, False)
    set = _fail_safe(RedisCache.set, None)
    set_many = _fail_safe(RedisCache.set_many, [])
    touch = _fail_safe(RedisCache.touch, False)
    delete = _fail_safe(RedisCache.delete, False)
    delete_many = _fail_safe(RedisCache.delete_many, None)
    incr = _fail_safe(RedisCache.incr, lambda key, delta=1, version=None: delta)
    clear = _fail_safe(RedisCache.clear, False)
