"""Telling a person something: on-site notices (emailed after commit), the email sender, and text messages
(queued through ``people.tasks``; the outbox keeps them while the broker or the gateway is down)."""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors, sms
from ..models import Notice, User


def email_sender() -> str:
    """The From header: "<bureau name> · 调解员学院" (bureau settings of the default site) on the address of
    ``DEFAULT_FROM_EMAIL``, so a mediator's inbox says who writes, in Chinese, whatever the deployment set."""
    from wagtail.models import Site

    from ..models import BureauSettings

    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    site = Site.objects.filter(is_default_site=True).first()
    bureau = BureauSettings.for_site(site).bureau_name if site else ""
    academy = _("Mediator Academy")
    return formataddr((f"{bureau} · {academy}" if bureau else academy, address))


def email_send(*, subject: str, body: str, recipients: list[str], html_body: str | None = None) -> None:
    """Send one email (called by the background task) from ``email_sender()``."""
    send_mail(subject, body, email_sender(), recipients, html_message=html_body)


def notice_send(*, person: User, title: str, body: str = "", url: str = "", email: bool = True) -> Notice:
    """Leave an on-site notice for a person and, if they have an email address, email it after commit.
    ``title`` and ``body`` should already be in the person's language (the site's default, Chinese)."""
    notice = Notice.objects.create(person=person, title=title, body=body, url=url)
    if email and person.email:
        from ..tasks import enqueue, notice_email_send

        link = f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url
        text = "\n\n".join(part for part in (body, link) if part)
        enqueue(notice_email_send, title, text, [person.email])
    return notice


def notices_send_many(*, notices: list[tuple[User, str, str]], url: str = "", email: bool = True) -> int:
    """``notice_send`` for many people at once (``(person, title, body)`` each): one INSERT per thousand notices,
    the unread counts forgotten, emails queued after commit for those with an address. Returns how many."""
    Notice.objects.bulk_create([Notice(person=person, title=title, body=body, url=url)
                                for person, title, body in notices], batch_size=1000)
    # A bulk insert sends no signal: the menu's cached unread counts are forgotten here (as notice_count_forget).
    keys = [selectors.unread_notice_key(person.pk) for person, _title, _body in notices]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
    for person, title, body in notices:
        if email and person.email:
            from ..tasks import enqueue, notice_email_send

            link = f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url
            enqueue(notice_email_send, title, "\n\n".join(part for part in (body, link) if part), [person.email])
    return len(notices)


def notices_mark_read(*, person: User, notice_ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's unread notices as read. Returns how many changed."""
    unread = Notice.objects.filter(person=person, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    changed = unread.update(read_at=timezone.now())
    notice_count_forget(person.pk)  # an update sends no signal
    return changed


def notice_count_forget(person_id: int) -> None:
    """The menu's cached unread count is out of date: now (this request reads its own writes) and again once the
    transaction commits (another request may have cached the old count meanwhile)."""
    key = selectors.unread_notice_key(person_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def sms_queue(*, phone: str, text: str) -> None:
    """Send a text message from the worker (after commit; kept in the outbox while the broker is down)."""
    from ..tasks import enqueue
    from ..tasks import sms_send as task

    enqueue(task, phone, text)


def sms_send(*, phone: str, text: str) -> None:
    """Hand one message to the configured backend (called by the task; raises SmsError to be retried)."""
    sms.backend().send(phone=phone, text=text)
