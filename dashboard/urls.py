from django.urls import path

from . import views

app_name = "coverage"
urlpatterns = [
    path("", views.home, name="home"),
    path("region/<str:code>/", views.region, name="region"),
    path("region/<str:code>/flags/", views.flags, name="flags"),
    path("duties/", views.duties_home, name="duties_home"),
    path("region/<str:code>/duties/", views.duties, name="duties"),
    path("committee/<int:pk>/", views.committee, name="committee"),
    path("person/<int:pk>/", views.person, name="person"),
]
