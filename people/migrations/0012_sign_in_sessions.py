"""Sessions move to people.SignInSession (the signed-in person's id in a column: people/sessions.py). The sessions
already in Django's table come along, each with the id its data holds, so nobody is signed out by the upgrade."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def copy_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    old = apps.get_model("sessions", "Session")
    new = apps.get_model("people", "SignInSession")
    users = set(apps.get_model("people", "User").objects.values_list("pk", flat=True))
    decoder = SessionStore()  # its class name is in the data's signature; people.sessions.SessionStore's is the same
    batch = []
    for session in old.objects.using(schema_editor.connection.alias).order_by("pk").iterator(chunk_size=BATCH):
        try:
            user_id = int(decoder.decode(session.session_data).get(SESSION_KEY))
        except (TypeError, ValueError):
            user_id = None
        batch.append(new(session_key=session.session_key, session_data=session.session_data,
                         expire_date=session.expire_date, user_id=user_id if user_id in users else None))
        if len(batch) >= BATCH:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0011_expiring_window"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInSession",
            fields=[
                ("session_key", models.CharField(max_length=40, primary_key=True, serialize=False,
                                                 verbose_name="session key")),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={
                "verbose_name": "sign-in session",
                "verbose_name_plural": "sign-in sessions",
                "db_table": "people_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_sessions, migrations.RunPython.noop, elidable=True),
    ]
