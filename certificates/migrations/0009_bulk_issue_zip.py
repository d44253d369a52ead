# The bulk issue's ZIP is made by the worker (issue #13), with its own status history.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import certificates.models
import people.files


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0008_status_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BulkIssueZip',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=16, verbose_name='status')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='certificates')),
                ('processed', models.PositiveIntegerField(default=0, verbose_name='processed')),
                ('file', models.FileField(blank=True, max_length=200, storage=people.files.private_storage, upload_to=certificates.models.bulk_zip_name, verbose_name='file')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                ('bulk_issue', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='zip', to='certificates.bulkissue', verbose_name='bulk issue')),
            ],
            options={
                'verbose_name': 'bulk issue ZIP',
                'verbose_name_plural': 'bulk issue ZIPs',
            },
        ),
        migrations.CreateModel(
            name='BulkIssueZipStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('old_status', models.CharField(blank=True, max_length=20, verbose_name='from')),
                ('new_status', models.CharField(max_length=20, verbose_name='to')),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('bulk_zip', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='status_changes', to='certificates.bulkissuezip', verbose_name='bulk issue ZIP')),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
            ],
            options={
                'verbose_name': 'bulk issue ZIP status change',
                'verbose_name_plural': 'bulk issue ZIP status changes',
                'ordering': ['changed_at', 'pk'],
                'abstract': False,
            },
        ),
    ]
