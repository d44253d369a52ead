import re

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from people import pwa
from people import views as people_views
from people.forms import QueuedPasswordResetForm, SignInForm

accounts = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
         name="login"),
    path("activate/", people_views.activate, name="activate"),
    path("password/forgotten/", people_views.password_forgotten, name="password_forgotten"),
    path("password/sms/", people_views.password_reset_sms, name="password_reset_sms"),
    path("password/sms/confirm/", people_views.password_reset_sms_confirm, name="password_reset_sms_confirm"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
         name="password_reset"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
]

urlpatterns = [
    path("health/", people_views.health, name="health"),
    # The exam day's requests first (2,000 takers saving answers): Django tries the patterns in order, and every
    # include it passes on the way costs (~0.25 ms of an answer's save in a profile: the API's and certificates').
    path("exams/", include("assessments.urls")),
    path("", include("config.api_urls")),  # /api/v1/: one include per app's api.py there
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include(accounts)),
    path("i18n/setlang/", set_language, name="set_language"),
    # The installable app: the service worker must be served from the root for its scope to be the whole site.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("me/", include("people.urls")),
    path("learn/", include("courses.urls")),
    path("rotation/", include("rotation.urls")),
    path("grading/", include("grading.urls")),
    path("", include("certificates.urls")),
    path("coverage/", include("dashboard.urls")),
    path("training/", include("training.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Django's static() helper serves nothing without DEBUG; the demo runs without DEBUG (to show the site's own
    # error pages) and still needs its uploaded images.
    from django.views.static import serve

    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", serve,
                            {"document_root": settings.MEDIA_ROOT})]

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
