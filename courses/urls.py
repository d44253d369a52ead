from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("modules/<int:module_id>/enrol/", views.module_enrol, name="enrol"),
    path("modules/<int:module_id>/offline/", views.module_offline, name="module_offline"),
    path("lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:lesson_id>/progress/", views.lesson_progress, name="lesson_progress"),
    path("lessons/<int:lesson_id>/media/<str:block_id>/", views.lesson_media, name="lesson_media"),
    path("lessons/<int:lesson_id>/handouts/<int:document_id>/", views.lesson_handout, name="lesson_handout"),
    path("handouts/<int:document_id>/", views.handout_for_editors, name="handout_for_editors"),
    path("scenarios/<int:scenario_id>/start/", views.scenario_start, name="scenario_start"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("assign/", views.assign_module, name="assign"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/report/", views.session_report, name="session_report"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/sign-up/", views.session_sign_up, name="session_sign_up"),
    path("sessions/<int:session_id>/offline-sync/", views.session_offline_sync, name="session_offline_sync"),
    path("search/", views.search, name="search"),
    path("check-in/<str:code>/", views.check_in, name="check_in"),
]
