"""A Redis cache that degrades instead of failing: when Redis is down, reads miss, writes are dropped and the page
still renders. The cache here only holds progress counters and rate-limit windows; sessions live in the
database, so nobody is logged out by a Redis outage."""

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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


class ReusedClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per server instead of building a new one for every cache
    call: building it (its table of reply callbacks) cost ~0.1 ms of CPU, two or three times on every page an exam
    taker opens (issue #21). A ``redis.Redis`` is safe to share between threads; its connections come from the
    same pool as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClient
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
