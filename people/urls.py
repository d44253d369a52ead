from django.urls import path, re_path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("learning/", views.learner_home, name="learner_home"),
    path("bureau/", views.bureau_home, name="bureau_home"),
    path("help/", views.help_page, name="help"),
    path("profile/", views.profile, name="profile"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
    path("bureau/roster/", views.roster_import, name="roster_import"),
    re_path(r"^bureau/roster/template\.(?P<file_format>csv|xlsx)$", views.roster_template, name="roster_template"),
    path("bureau/roster/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path("bureau/roster/<int:pk>/status/", views.roster_import_status, name="roster_import_status"),
    path("bureau/roster/<int:pk>/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("bureau/people/<int:pk>/sign-in/", views.person_sign_in, name="person_sign_in"),
    path("bureau/people/search/", views.person_search, name="person_search"),
    path("bureau/slips/", views.login_slips, name="login_slips"),
    path("bureau/never-signed-in.csv", views.never_signed_in_csv, name="never_signed_in_csv"),
]
