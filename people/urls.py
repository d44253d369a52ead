from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("learning/", views.learner_home, name="learner_home"),
    path("bureau/", views.bureau_home, name="bureau_home"),
    path("profile/", views.profile, name="profile"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
