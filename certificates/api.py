"""REST API of certificates (mounted at /api/v1/ through config/api_urls.py).

- ``certificates/verify/<code>/``: the public check of a certificate by its verification code. No login; throttled
  per client like every anonymous call (``API_ANON_RATE``) and logged like the page; it answers with the same
  ``public_record()`` as the page and its JSON form, so a revoked certificate reads as revoked everywhere.
- ``me/certificates/``: the caller's own certificates, history included, newest first.
"""

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from people.network import client_ip
from people.pagination import StandardPagination

from . import selectors, services
from .models import Certificate, VerificationCheck
from .verification import certificate_by_code, public_record


class PublicRecordSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "expired", "revoked", "superseded", "suspended"])
    status_label = serializers.CharField()
    program = serializers.CharField()
    holder = serializers.CharField(help_text="The holder's name, partially masked (张*明).")
    serial_number = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    issuer = serializers.CharField()
    checked_at = serializers.DateTimeField()


class CertificateVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []  # public: a verifier sends no credentials, and gets no CSRF check either

    @extend_schema(responses=PublicRecordSerializer, summary="Check a certificate by its verification code")
    def get(self, request, code):
        certificate = certificate_by_code(code)
        services.verification_check_log(certificate=certificate, channel=VerificationCheck.Channel.JSON,
                                        query=code, client_ip=client_ip(request))
        if certificate is None:
            raise Http404
        return Response(public_record(certificate))


class OwnCertificateSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.name")
    status = serializers.SerializerMethodField(help_text="valid, expired, revoked, superseded or suspended")
    verification_url = serializers.CharField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "program", "serial_number", "issued_on", "expires_on", "status", "issuer_name",
                  "verification_url", "pdf_url"]

    def get_status(self, certificate) -> str:
        return certificate.public_status()

    def get_pdf_url(self, certificate) -> str:
        return self.context["request"].build_absolute_uri(reverse("certificates:pdf", args=[certificate.pk]))


class OwnCertificateList(generics.ListAPIView):
    """The caller's own certificates (any signed-in person; empty for those who hold none)."""

    serializer_class = OwnCertificateSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return selectors.learner_certificates(user=self.request.user)


urlpatterns = [
    path("certificates/verify/<str:code>/", CertificateVerifyView.as_view(), name="certificate-verify"),
    path("me/certificates/", OwnCertificateList.as_view(), name="my-certificates"),
]
