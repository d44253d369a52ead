"""Settings for the test suite. The database and broker still come from the environment, so the same
suite runs on SQLite with in-process tasks and on PostgreSQL with Redis."""

from .base import *  # noqa: F403
from .base import env, file_storages

DEBUG = False
SECRET_KEY = "tests-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["*"]
# A real hasher costs ~1.7 s a login; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-memory mail for the test process; a server or worker started by a test may name another (EMAIL_URL).
if "EMAIL_URL" not in env:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
# The test process runs tasks in-process; the integration tests switch to Redis and a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
MEDIA_ROOT = env.path("MEDIA_ROOT", default="/tmp/mediator-academy-test-media")  # noqa: S108
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default="/tmp/mediator-academy-test-private")  # noqa: S108
STORAGES = {
    **file_storages(),  # the folders above, unless STORAGE_BACKEND=s3 (the multi-node test's app nodes)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Browser tests submit Wagtail forms explicitly; background autosave would race them (it creates the draft page
# while the test is still typing). Autosave itself is Wagtail's and stays on everywhere else.
WAGTAIL_AUTOSAVE_INTERVAL = 0
