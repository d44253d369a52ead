import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# The threads of an app server's worker take turns on one interpreter lock. A thread whose database answered waits
# for the lock until the running thread lets go, which CPython forces only every switch interval (5 ms by default),
# so on a busy exam day each round trip of a request could wait up to that long again (production.py says more).
if getattr(settings, "INTERPRETER_SWITCH_INTERVAL_MS", None):
    sys.setswitchinterval(settings.INTERPRETER_SWITCH_INTERVAL_MS / 1000)
