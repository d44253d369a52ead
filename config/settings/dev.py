"""The embedded default: SQLite, tasks in-process, console email. For newcomers and demos, not production."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)  # bin/demo sets DEBUG=False: the demo shows the site's own 404/403/500
SERVE_MEDIA = True
SECRET_KEY = env("SECRET_KEY", default="development-only-not-secret")  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
SMS_BACKEND = env("SMS_BACKEND", default="people.sms.ConsoleBackend")  # codes print on the console
