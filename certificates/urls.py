from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    # Public, no login: the QR code's target and its JSON form, the phone-in lookup, credential checks.
    path("verify/lookup/", views.lookup, name="lookup"),
    path("verify/credential/", views.credential_check, name="credential_check"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/json/", views.verify_json, name="verify_json"),
    path("verify/<str:code>/credential/", views.credential_pickup, name="credential_pickup"),
    # What verifiers of credentials fetch: the issuer profile, its keys, achievements, status lists.
    path("credentials/issuer/", views.issuer_profile, name="issuer_profile"),
    path("credentials/issuer/seal.jpg", views.issuer_seal, name="issuer_seal"),
    path("credentials/keys/<str:kid>/", views.credential_key, name="credential_key"),
    path("credentials/achievements/<slug:slug>/", views.achievement, name="achievement"),
    path("credentials/status/<int:list_number>/<str:purpose>/", views.status_list, name="status_list"),
    path(".well-known/did.json", views.did_document, name="did_document"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    # The holder.
    path("certificates/", views.mine, name="mine"),
    path("certificates/<int:pk>/pdf/", views.pdf, name="pdf"),
    path("certificates/<int:pk>/credential/", views.credential, name="credential"),
    path("certificates/<int:pk>/credential.json", views.credential_json, name="credential_json"),
    path("certificates/<int:pk>/wallet/", views.credential_wallet, name="credential_wallet"),
    # Bureau staff.
    path("certificates/bureau/", views.bureau_certificates, name="bureau_certificates"),
    path("certificates/bureau/programs/", views.bureau_programs, name="bureau_programs"),
    path("certificates/bureau/issue/", views.bureau_issue, name="bureau_issue"),
    path("certificates/bureau/bulk/", views.bureau_bulk_new, name="bureau_bulk_new"),
    path("certificates/bureau/bulk/<int:pk>/", views.bureau_bulk, name="bureau_bulk"),
    path("certificates/bureau/bulk/<int:pk>/zip/", views.bureau_bulk_zip, name="bureau_bulk_zip"),
    path("certificates/bureau/<int:pk>/", views.bureau_certificate, name="bureau_certificate"),
    path("certificates/bureau/<int:pk>/render/", views.bureau_render_pdf, name="bureau_render_pdf"),
]
