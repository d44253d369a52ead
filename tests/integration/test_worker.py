import pytest
from django.urls import reverse

from tests import factories
from tests.integration.conftest import requires_services, wait_for

pytestmark = [pytest.mark.integration, requires_services]


def test_a_real_worker_sends_the_password_reset_email_from_redis(client, celery_worker_process):
    """The reset form queues the email after commit; a separate worker process takes it from Redis and sends it."""
    factories.UserFactory(email="zhang@example.com", name="张秀兰")
    response = client.post(reverse("password_reset"), {"email": "zhang@example.com"})
    assert response.status_code == 302

    mail_dir = celery_worker_process["mail_dir"]
    sent = wait_for(lambda: list(mail_dir.glob("*.log")))
    assert sent, celery_worker_process["log"].read_text()
    message = sent[0].read_text()
    assert "zhang@example.com" in message and "/accounts/password/reset/" in message
    assert "Task people.tasks.email_send" in celery_worker_process["log"].read_text()
