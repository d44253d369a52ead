"""Production: PostgreSQL, Redis, Celery workers, gunicorn behind a TLS-terminating proxy.
Every secret must come from the environment; a missing one stops the process at start-up."""

from .base import *  # noqa: F403
from .base import env, fail_safe, file_storages, scale_out_databases

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no fallback: fail loudly
NATIONAL_ID_SALT = env("NATIONAL_ID_SALT")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DATABASES = scale_out_databases(DATABASES)  # pgbouncer, replica (docs/deployment.md)
DATABASE_ROUTERS = ["people.replica.ReplicaRouter"] if "replica" in DATABASES else []
CACHES = {"default": fail_safe(env.cache("CACHE_URL"))}
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False

WHITENOISE_USE_FINDERS = False  # collectstatic runs at deploy
STORAGES = {
    **file_storages(),  # local folders, or the S3-compatible object store (STORAGE_BACKEND=s3)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS everywhere; the proxy in front says which requests came in over TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Only the load test on loopback (plain http, no proxy) turns these off: browsers drop secure cookies over http.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # Wagtail marks its own preview views SAMEORIGIN

WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL")
