from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    label = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.roles import StaffRole, register_role_permissions

        from . import checks, receivers  # noqa: F401  (deploy checks; the learning events → automatic issuance)

        programs = {"certificates.add_program", "certificates.change_program", "certificates.view_program"}
        register_role_permissions(StaffRole.BUREAU_STAFF, programs)
        register_role_permissions(StaffRole.ADMINISTRATOR, programs | {
            "certificates.delete_program", "certificates.change_certificatesettings"})
