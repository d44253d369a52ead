from django.urls import path

from . import views

app_name = "rotation"
urlpatterns = [
    path("order/", views.order, name="order"),
    path("want/", views.want, name="want"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/decline/", views.order_decline, name="order_decline"),
    path("orders/schedule/", views.schedule, name="schedule"),
    path("lecturers/", views.lecturers, name="lecturers"),
    path("lecturer/", views.lecturer_home, name="lecturer_home"),
    path("lecturer/profile/", views.lecturer_profile, name="lecturer_profile"),
    path("lecturer/unavailable/", views.lecturer_unavailable, name="lecturer_unavailable"),
    path("dispatches/<int:dispatch_id>/answer/", views.dispatch_respond, name="dispatch_respond"),
    path("sessions/<int:session_id>/dispatch/", views.session_dispatch, name="session_dispatch"),
    path("sessions/<int:session_id>/sign-in-sheet.pdf", views.sign_in_sheet, name="sign_in_sheet"),
    path("sessions/<int:session_id>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:session_id>/rate/", views.rate, name="rate"),
    path("sessions/<int:session_id>/ratings/", views.session_ratings, name="session_ratings"),
    path("report/", views.report, name="report"),
]
