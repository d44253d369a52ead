"""Wagtail's migrations name its root page "Root" and its default workflow and task "Moderators approval": data in
English that the admin shows to Chinese editors as it is (the explorer's first level, the workflow lists). Name
them in Chinese, as everything else this project stores for people to read; reversible."""

from django.db import migrations

NAMES = [("Root", "根目录"), ("Moderators approval", "审核员审批")]


def rename(apps, old_to_new):
    Page = apps.get_model("wagtailcore", "Page")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    for old, new in old_to_new:
        Page.objects.filter(depth=1, title=old).update(title=new, draft_title=new)
        Workflow.objects.filter(name=old).update(name=new)
        Task.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    rename(apps, NAMES)


def backwards(apps, schema_editor):
    rename(apps, [(new, old) for old, new in NAMES])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0009_h17b_offline"),  # also the merge of h17a's and h17b's lessons work
        ("courses", "0009_lesson_progress_media"),
        ("wagtailcore", "0098_apitoken"),  # the default workflow and task exist by then
    ]

    operations = [migrations.RunPython(forwards, backwards)]
