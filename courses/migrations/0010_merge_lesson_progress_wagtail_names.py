"""Two migrations numbered 0009 were written at the same time (lesson progress and media; Wagtail's default names in
Chinese); they touch different things, so this only joins them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0009_lesson_progress_media"),
        ("courses", "0009_wagtail_defaults_named_in_chinese"),
    ]

    operations = []
