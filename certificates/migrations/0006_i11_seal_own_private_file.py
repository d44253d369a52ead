"""Issue 11: the certificate seal leaves the shared Wagtail image library (where anyone with image rights could
replace it) for a file of its own in private storage, changed only with the certificate settings."""

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, models

import certificates.models
import people.files


def copy_seal_images(apps, schema_editor):
    CertificateSettings = apps.get_model("certificates", "CertificateSettings")
    Image = apps.get_model("wagtailimages", "Image")
    private = storages["private"]
    for row in CertificateSettings.objects.exclude(seal__isnull=True):
        image = Image.objects.filter(pk=row.seal_id).first()
        if image is None or not image.file:
            continue
        try:
            with image.file.open("rb") as source:
                content = source.read()
        except FileNotFoundError:
            continue
        name = private.save(people.files.private_name("seals", ".png"), ContentFile(content))
        CertificateSettings.objects.filter(pk=row.pk).update(seal_file=name)


class Migration(migrations.Migration):

    dependencies = [
        ("certificates", "0005_i11_names_refuse_formulas"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificatesettings",
            name="seal_file",
            field=models.ImageField(blank=True, max_length=200, storage=people.files.private_storage,
                                    upload_to=certificates.models.seal_name, verbose_name="seal image",
                                    help_text="A PNG of the bureau's seal with a transparent background."),
        ),
        migrations.RunPython(copy_seal_images, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="certificatesettings", name="seal"),
        migrations.RenameField(model_name="certificatesettings", old_name="seal_file", new_name="seal"),
    ]
