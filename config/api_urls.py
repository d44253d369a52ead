"""The REST API's URLs, /api/v1/. Each app's api.py holds its views and a ``urlpatterns`` list; add one include per
app to ``api_v1``. The OpenAPI schema (/api/schema/) covers exactly these URLs (SPECTACULAR_SETTINGS SERVE_URLCONF)."""

from django.urls import include, path

api_v1 = [
    path("", include("people.api")),
    path("", include("certificates.api")),
    path("", include("grading.api")),
    path("", include("dashboard.api")),
]

urlpatterns = [path("api/v1/", include((api_v1, "api")))]
