from django.urls import path

from . import views

app_name = "grading"
urlpatterns = [
    path("cases/", views.case_figures, name="case_figures"),
    path("cases/template.csv", views.case_figures_template, name="case_figures_template"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/candidates/<int:candidate_pk>/decide/", views.candidate_decide, name="decide"),
    path("rounds/<int:pk>/reject-selected/", views.candidates_reject, name="reject_selected"),
    path("rounds/<int:pk>/withdraw/", views.round_withdraw, name="round_withdraw"),
    path("rounds/<int:pk>/<slug:step>/", views.round_step, name="round_step"),
    path("rounds/<int:pk>/export.<str:file_format>", views.round_export, name="round_export"),
    # Public, no login: the lists in their publication period (公示), masked names only.
    path("public/", views.public_index, name="public_index"),
    path("public/<str:code>/", views.public_round, name="public_round"),
    path("archive/", views.my_archive, name="my_archive"),
    path("archive/<int:pk>/", views.archive, name="archive"),
    path("archive/<int:pk>/pdf/", views.archive_pdf, name="archive_pdf"),
    path("archives/", views.archive_exports, name="archive_exports"),
    path("archives/<int:pk>/", views.archive_export, name="archive_export"),
    path("archives/<int:pk>/zip/", views.archive_export_zip, name="archive_export_zip"),
]
