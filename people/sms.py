"""Text messages, with pluggable backends like Django's email backends.

``SMS_BACKEND`` names the class: ``people.sms.ConsoleBackend`` prints messages (development),
``people.sms.HttpGatewayBackend`` posts them to an SMS gateway configured from the environment (production), and
an empty value means this site sends no SMS (codes are then handed out on printed login slips only).

Never call a backend from a request: queue ``people.tasks.sms_send`` with ``people.tasks.enqueue`` (or use
``people.services.notices.sms_queue``), so a broker outage keeps the message in the outbox and a gateway outage is
retried by the worker; nothing is lost either way."""

import json
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway did not take the message (down, refused, or answered with an error)."""


class BaseBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints each message to standard output (the development server's console, or a worker's log)."""

    def send(self, *, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class HttpGatewayBackend(BaseBackend):
    """POSTs ``{"phone": …, "text": …, "sign": …}`` as JSON to ``SMS_GATEWAY_URL`` with
    ``Authorization: Bearer SMS_GATEWAY_TOKEN``; any 2xx answer means accepted. Most provincial government SMS
    platforms and commercial gateways offer (or sit behind a small relay offering) this shape of HTTP call."""

    def send(self, *, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text, "sign": settings.SMS_SIGN}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310  (the URL is the operator's own setting)
            settings.SMS_GATEWAY_URL, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise SmsError(f"gateway unreachable: {error}") from error
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


def enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
