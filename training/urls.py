from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/revoke/<int:review_pk>/", views.review_revoke, name="review_revoke"),
    path("external/", views.external, name="external"),
    path("external/<int:pk>/decide/", views.external_decide, name="external_decide"),
    path("external/<int:pk>/document/", views.external_document, name="external_document"),
]
