"""Issue 11: certificate PDFs move from public media (``/media/certificates/pdf/<year>/<serial>.pdf``, fetched
anonymously by walking serials) to private storage under random names."""

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, models

import certificates.models
import people.files


def move_pdfs_to_private_storage(apps, schema_editor):
    """Each PDF still in the public media tree is copied into private storage under a new random name, its row
    points there, and the public copy is deleted. A row whose file is gone is emptied (the PDF is rendered again
    on its next download)."""
    Certificate = apps.get_model("certificates", "Certificate")
    public, private = storages["default"], storages["private"]
    for certificate in Certificate.objects.exclude(pdf="").only("pk", "pdf").iterator():
        old_name = certificate.pdf.name
        if private.exists(old_name):  # already moved (a re-run)
            continue
        new_name = ""
        if public.exists(old_name):
            with public.open(old_name, "rb") as source:
                new_name = private.save(people.files.private_name("certificates", ".pdf"), ContentFile(source.read()))
        Certificate.objects.filter(pk=certificate.pk).update(pdf=new_name)
        if new_name:
            public.delete(old_name)


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0003_bulk_issue_for_a_session"),
    ]

    operations = [
        migrations.AlterField(
            model_name="certificate",
            name="pdf",
            field=models.FileField(blank=True, max_length=200, storage=people.files.private_storage,
                                   upload_to=certificates.models.certificate_pdf_name, verbose_name="PDF"),
        ),
        migrations.RunPython(move_pdfs_to_private_storage, migrations.RunPython.noop, elidable=True),
    ]
