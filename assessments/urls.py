from django.urls import path

from . import self_check_views, views

app_name = "assessments"
urlpatterns = [
    path("", views.my_exams, name="my_exams"),
    path("history/", views.attempt_history, name="attempt_history"),
    path("<int:quiz_id>/", views.quiz_detail, name="quiz_detail"),
    path("<int:quiz_id>/start/", views.attempt_start, name="attempt_start"),
    path("attempt/<int:attempt_id>/", views.attempt_take, name="attempt_take"),
    path("attempt/<int:attempt_id>/answer/", views.attempt_answer, name="attempt_answer"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempt/<int:attempt_id>/review/", views.attempt_review, name="attempt_review"),
    path("grading/", views.grading_queue, name="grading_queue"),
    path("grading/<int:row_id>/", views.essay_grade, name="essay_grade"),
    path("results/", views.results_index, name="results_index"),
    path("results/<int:quiz_id>/", views.quiz_results, name="quiz_results"),
    path("lessons/<int:lesson_id>/self-check/", self_check_views.self_check_answer, name="self_check_answer"),
]
