"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

import sys
from importlib.util import find_spec
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our apps first, so their templates override Wagtail's and Django's.
    "people.apps.PeopleConfig",
    "courses.apps.CoursesConfig",
    "assessments.apps.AssessmentsConfig",
    "certificates.apps.CertificatesConfig",
    "training.apps.TrainingConfig",
    "grading.apps.GradingConfig",
    "dashboard.apps.DashboardConfig",
    "rotation.apps.RotationConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "people.apps.PeopleUsersAppConfig",  # wagtail.users with our user forms
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "people.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "people.middleware.AuthenticationMiddleware",  # Django's, the user read with the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "people.middleware.ContentSecurityPolicyMiddleware",
    "people.replica.ReplicaPinMiddleware",  # does nothing without a replica
]

# --- Content-Security-Policy (people.middleware.ContentSecurityPolicyMiddleware)
# The site: scripts only from our own static files (no inline script or handler), no plugins, never framed.
# Inline style attributes stay allowed: progress bars set their width from data.
CSP_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Wagtail's admin: its widgets and panels run inline scripts, its editors paste images as blobs, and page
# previews are admin pages framed by the editor (same origin).
CSP_ADMIN_PREFIX = "/admin/"
CSP_ADMIN_POLICY: dict[str, list[str]] = {
    **CSP_POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database: one URL picks SQLite (default, no service needed) or PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of failing with
    # "database is locked" half-way through; WAL lets readers proceed meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def scale_out_databases(databases: dict) -> dict:
    """Several app nodes (docs/deployment.md): with ``DATABASE_POOLER=pgbouncer`` every PostgreSQL alias goes
    through pgbouncer in transaction pooling mode, where consecutive transactions of one Django connection may run
    on different server connections — so nothing may live in the session: no server-side cursors (``.iterator()``
    would open one), no prepared statements (psycopg prepares a query run 5 times). With ``DATABASE_REPLICA_URL``
    a streaming replica becomes the ``replica`` alias for heavy reads (people/replica.py)."""
    for database in databases.values():  # the health check without a round trip (people/postgresql)
        if database["ENGINE"] == "django.db.backends.postgresql":
            database["ENGINE"] = "people.postgresql"
    replica_url = env("DATABASE_REPLICA_URL", default="")
    if replica_url:
        databases["replica"] = {**env.db_url_config(replica_url, engine="people.postgresql"),
                                "CONN_MAX_AGE": databases["default"].get("CONN_MAX_AGE", 0),
                                "CONN_HEALTH_CHECKS": True,
                                "TEST": {"MIRROR": "default"}}  # tests read the primary's test database
    if env("DATABASE_POOLER", default="") == "pgbouncer":
        for database in databases.values():
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
            database.setdefault("OPTIONS", {})["prepare_threshold"] = None
    return databases


DATABASES = scale_out_databases(DATABASES)
DATABASE_ROUTERS = ["people.replica.ReplicaRouter"] if "replica" in DATABASES else []
# Read-your-own-writes: after a write, that browser's heavy reads stay on the primary this long (people/replica.py).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=30)

def fail_safe(cache: dict) -> dict:
    """Redis down must not take pages down: a Redis cache's failures become misses (people.cache)."""
    if cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        cache["BACKEND"] = "people.cache.FailSafeRedisCache"
        cache.setdefault("OPTIONS", {}).update({"socket_connect_timeout": 1, "socket_timeout": 1})
    return cache


CACHES = {"default": fail_safe(env.cache("CACHE_URL", default="locmemcache://mediator-academy"))}
# Sessions stay in the database only (Django's default), not ``cached_db``: with a cached copy, a sign-out during a
# Redis outage could not delete it, and the signed-out session would work again once Redis is back. One query per
# request is the price; issue #21 measured no clear gain from moving it to Redis on a busy two-core machine. That
# query reads the session and its user together (people.SignInSession keeps the user's id), from SQL built once
# (people/sessions.py), not compiled by the ORM on every request.
SESSION_ENGINE = "people.sessions"

# --- People
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # One sign-in field: username, mobile number or national ID number (people/auth.py).
    "people.auth.IdentifierBackend",
]
# Argon2id sized for exam mornings (people/hashers.py explains the parameters); older hashes still verify and
# are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "people.hashers.AcademyArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "people:home"
LOGOUT_REDIRECT_URL = "login"
# Salt for the one-way hash of national ID numbers (matching people on re-import, signing in with an ID number).
# Changing it breaks matching of existing people, so it is separate from SECRET_KEY.
NATIONAL_ID_SALT = env("NATIONAL_ID_SALT", default="mediator-academy-development-salt")

# Login throttling: five failures on one account from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures count per account whichever identifier was typed; a typed national ID is never kept in clear.
AXES_USERNAME_CALLABLE = "people.auth.lockout_key"
AXES_RESET_ON_SUCCESS = True
# Axes would also write its own row for every successful sign-in and sign-out (AccessLog, shown only in its admin,
# which is off): the audit log already records both (people.signals), and the copy was ~12 % of a sign-in's CPU in
# a profile (issue #12's storm of 2,000). Failed attempts, which the lockout counts, are still kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_CLIENT_IP_CALLABLE = "people.network.client_ip"  # the product's one client-address rule

# --- Language: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "site" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
SERVE_MEDIA = False  # Django serves MEDIA_ROOT itself (the demo); production leaves it to the web server
# Serve static files straight from the apps and site/static when collectstatic has not run (demo, tests).
WHITENOISE_USE_FINDERS = True
# Personal files (certificate PDFs…) live apart from public media, outside the proxy's /media/, and leave only
# through views that check the holder or jurisdiction (people/files.py). The proxy may send them itself:
# PRIVATE_FILES_PROXY = "x-accel-redirect" (nginx, internal location PRIVATE_FILES_ACCEL_PREFIX aliasing
# PRIVATE_MEDIA_ROOT) or "x-sendfile"; with the s3 storage "signed-url" (a redirect to a short-lived signed URL of
# the object store); empty means Django streams them.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private"))
PRIVATE_FILES_PROXY = env("PRIVATE_FILES_PROXY", default="")
PRIVATE_FILES_ACCEL_PREFIX = env("PRIVATE_FILES_ACCEL_PREFIX", default="/private-files/")


def file_storages() -> dict:
    """The ``default`` (public media) and ``private`` storages, chosen by ``STORAGE_BACKEND``: ``local`` (the demo:
    MEDIA_ROOT and PRIVATE_MEDIA_ROOT) or ``s3`` (an S3-compatible object store through django-storages, shared by
    every app node: public media in AWS_STORAGE_BUCKET_NAME, readable by anyone; personal files in
    AWS_PRIVATE_BUCKET_NAME, readable only with the keys or a signed URL that lives PRIVATE_URL_SECONDS)."""
    if env("STORAGE_BACKEND", default="local") != "s3":
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "private": {"BACKEND": "people.files.PrivateFileSystemStorage"}}
    common = {
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),  # None: Amazon S3 itself
        "access_key": env("AWS_ACCESS_KEY_ID"), "secret_key": env("AWS_SECRET_ACCESS_KEY"),
        "region_name": env("AWS_S3_REGION_NAME", default="us-east-1"),
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),  # most self-hosted stores want path
        "signature_version": "s3v4",
        "file_overwrite": False,  # two nodes saving the same name must not overwrite each other's file
        "default_acl": None,  # access is the buckets' policy, not per-object ACLs (many stores ignore those)
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            **common, "bucket_name": env("AWS_STORAGE_BUCKET_NAME"), "querystring_auth": False,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default=None),  # e.g. the proxy's host/media
            "url_protocol": env("AWS_S3_URL_PROTOCOL", default="https:")}},
        "private": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            **common, "bucket_name": env("AWS_PRIVATE_BUCKET_NAME"), "querystring_auth": True,
            "querystring_expire": env.int("PRIVATE_URL_SECONDS", default=60)}},
    }


STORAGES = {
    **file_storages(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email: console unless EMAIL_URL says otherwise.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if env("EMAIL_FILE_PATH", default=""):  # for filemail://, an absolute folder (the URL form loses the leading /)
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
# Only the address counts: the sender's name is the bureau's, from its settings (people.services.notices.email_sender).
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# --- SMS (people/sms.py): a backend class like EMAIL_BACKEND. Empty: no SMS, codes go out on printed login slips.
# Development prints messages (console); production names people.sms.HttpGatewayBackend and the gateway below.
SMS_BACKEND = env("SMS_BACKEND", default="")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
SMS_SIGN = env("SMS_SIGN", default="调解员学院")  # the signature (签名) Chinese SMS carriers require

# --- Activation and password-reset codes (people.services.accounts): one code's life, and how many wrong codes one
# address may try (a township office's shared connection activates a roomful of people, hence more than logins).
RESET_CODE_MINUTES = env.int("RESET_CODE_MINUTES", default=10)
CODE_FAILURES_PER_ADDRESS = env.int("CODE_FAILURES_PER_ADDRESS", default=10)
CODE_FAILURE_WINDOW_SECONDS = env.int("CODE_FAILURE_WINDOW_SECONDS", default=15 * 60)

# --- Celery: with no broker configured, tasks run in-process so a newcomer needs no service.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A task is acknowledged only after it ran, and requeued if its worker dies: tasks must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With the broker down, a request gives up publishing within about a second and people.tasks.enqueue keeps the
# job in the outbox instead; the sweep below sends it when the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# A job whose worker died (SIGKILL, power loss) goes back to the queue once it has been unacknowledged for
# visibility_timeout seconds (Redis keeps it meanwhile); longer than the longest task, or it would run twice
# (harmless: tasks are idempotent, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5,
                                   "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
# Queues by kind, so that a bulk issue of 10,000 PDFs never delays a password-reset SMS: production runs a worker
# (or several) per queue (docs/deployment.md). A worker takes only the queues its -Q names (without -Q, only the
# default queue): one worker for everything names them all (`celery -A config worker -Q "$(manage.py task_queues)"`,
# people.tasks.worker_queues). TASK_QUEUE_PREFIX lets a test run keep queues of its own on a shared Redis.
TASK_QUEUE_PREFIX = env("TASK_QUEUE_PREFIX", default="")
TASK_QUEUE_OF = {
    "certificates.tasks.certificate_pdf_render": "pdf",
    "certificates.tasks.bulk_issue_run": "pdf",
    "certificates.tasks.bulk_issue_zip_run": "pdf",
    # Messages someone is waiting for (reset and activation codes, password-reset emails)…
    "people.tasks.sms_send": "messages",
    "people.tasks.email_send": "messages",
    # …apart from notices sent by the thousand (certificate issued, expiry reminders).
    "people.tasks.notice_email_send": "notices",
    "certificates.tasks.expiry_reminders_send": "notices",
    "dashboard.tasks.region_snapshot_refresh": "dashboard",
    "dashboard.tasks.region_snapshots_refresh_due": "dashboard",
    "people.tasks.roster_import_run": "imports",
    # A region's annual review decides thousands of work cards in one job: bulk work, like an import.
    "training.tasks.review_run_decide": "imports",
    "training.tasks.duty_reminders_send": "notices",
    # A committee's archives are PDFs zipped together.
    "grading.tasks.archive_export_run": "pdf",
}
CELERY_TASK_ROUTES = {task: {"queue": TASK_QUEUE_PREFIX + kind} for task, kind in TASK_QUEUE_OF.items()}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "certificates-expire": {"task": "certificates.tasks.certificates_expire_due", "schedule": 3600.0},
    "certificates-remind": {"task": "certificates.tasks.expiry_reminders_send", "schedule": 6 * 3600.0},
    # Jobs kept in the outbox while the broker was down are sent once it is back (people.tasks.outbox_flush).
    "people-outbox-flush": {"task": "people.tasks.outbox_flush", "schedule": 60.0},
    # Timed attempts whose learner never came back are closed and scored soon after their deadline.
    "assessments-close-overdue-attempts": {"task": "assessments.tasks.attempts_close_overdue", "schedule": 60.0},
    # Dashboard figures people looked at this week are computed again ahead of their next view.
    "dashboard-refresh-snapshots": {"task": "dashboard.tasks.region_snapshots_refresh_due", "schedule": 300.0},
    # Training duties falling due: each person reminded once per duty and due date.
    "training-duty-reminders": {"task": "training.tasks.duty_reminders_send", "schedule": 6 * 3600.0},
}

# --- Wagtail
WAGTAIL_SITE_NAME = _("Mediator Academy")  # 调解员学院 in Chinese, as every page title says


def served_base_url(argv: list[str]) -> str:
    """Where a demo is reached when WAGTAILADMIN_BASE_URL is not set: the address ``manage.py runserver`` serves
    on (``bin/demo`` passes ``$PORT``), so the QR code, the DID and the status URLs of a demo on another port work."""
    host, port = "127.0.0.1", env("PORT", default="8000")
    if len(argv) > 1 and argv[1] == "runserver":
        address = next((arg for arg in argv[2:] if not arg.startswith("-")), "")
        if address:
            given_host, _colon, port = address.rpartition(":")
            host = given_host if given_host not in ("", "0", "0.0.0.0", "[::]") else host  # noqa: S104
    return f"http://{host}:{port}"


WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default=served_base_url(sys.argv))
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # nothing outside the machine may be reached
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "zip",
                          "mp4", "webm", "mp3", "m4a", "ogg"]  # lesson video and audio (courses' blocks)
WAGTAILDOCS_DOCUMENT_FORM_BASE = "people.uploads.DocumentForm"  # content must match the extension
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000  # Pillow decodes every image; this refuses decompression bombs
WAGTAILEMBEDS_FINDERS: list = []  # no oEmbed calls to the internet; see courses for local video
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_LOGIN_URL = "login"

# --- REST API
# Systems send "Authorization: Token <key>" (tokens made with `manage.py api_token`); browsers use their session.
# Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header. Each app's api.py adds its
# endpoints under /api/v1/ through config/api_urls.py (see docs/architecture.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "people.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["people.network.ClientAddressAnonThrottle"],  # CLIENT_IP_HEADER, not X-F-F
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", default="60/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mediator Academy API",
    "DESCRIPTION": "Roster, learning and certification data of a judicial bureau's mediation training. "
                   "Systems authenticate with `Authorization: Token <key>`; every list is paginated "
                   "(`page`, `page_size` ≤ 200) and scoped to the caller's jurisdiction.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes /api/v1/ only, not Wagtail's internal admin API, wherever it is generated.
    "SERVE_URLCONF": "config.api_urls",
    "DEFAULT_GENERATOR_CLASS": "people.api.ApiSchemaGenerator",
    # The docs page loads Swagger UI from drf-spectacular-sidecar's static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "people.api.document_error_responses"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # axes logs every sign-in at INFO (the audit log keeps them); Wagtail runs its own small jobs (search and
    # reference index updates) through django_tasks, in-process, with two INFO lines each; in-process (eager) Celery
    # tasks would log a line per task. All three drown the demo seeding's output; a real worker keeps its per-task
    # lines for operators.
    "loggers": {name: {"level": "WARNING"} for name in (
        "axes", "django_tasks", *(("celery.app.trace",) if CELERY_TASK_ALWAYS_EAGER else ()))},
}


# --- Certificates
def _bundled_chinese_font() -> str:
    # WenQuanYi Micro Hei (TrueType, embeddable) ships inside a PyPI dependency, so `pip install` alone gives
    # every machine the font; Debian's fonts-wqy-microhei is the same file.
    spec = find_spec("paperang_p2_fonts_cjk")
    if spec and spec.origin:
        return str(Path(spec.origin).parent / "fonts" / "wqy-microhei.ttc")
    return "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


CERTIFICATE_FONT_PATH = env("CERTIFICATE_FONT_PATH", default=_bundled_chinese_font())
CERTIFICATE_REMINDER_DAYS = [60, 14]  # reminders before a certificate expires, each sent once
CERTIFICATE_CHECKS_PER_MINUTE = env.int("CERTIFICATE_CHECKS_PER_MINUTE", default=30)  # public checks per address
# Credentials (Open Badges 3.0): bits per status list (16 KB, the minimum the Bitstring Status List spec sets, so
# that a list hides which credentials it holds) and the JWT signature (RS256, the Open Badges minimum, or EdDSA).
CREDENTIAL_STATUS_LIST_BITS = 131072
CREDENTIAL_JWT_ALGORITHM = env("CREDENTIAL_JWT_ALGORITHM", default="RS256")

# --- Coverage dashboard
# The coverage dashboard keeps each region's figures (dashboard/services.py): figures older than this many seconds
# are computed again even when no change was seen; a region whose figures took at most DASHBOARD_LIVE_BUDGET_MS to
# compute is computed again while the page waits, a bigger one in the background.
DASHBOARD_SNAPSHOT_MAX_AGE = env.int("DASHBOARD_SNAPSHOT_MAX_AGE", default=900)
DASHBOARD_LIVE_BUDGET_MS = env.int("DASHBOARD_LIVE_BUDGET_MS", default=200)

# --- Client address
# The request header that carries the client's address when a proxy sits in front (e.g. HTTP_X_REAL_IP set by
# nginx); empty means REMOTE_ADDR. Only name a header the proxy always overwrites, or clients could forge it.
# One rule for pages, API throttle, login throttling and audit log: people.network.client_ip.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
