"""Site pages of reporting (included by config.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("report/", views.report_home, name="report-home"),
    path("report/form/", views.report_form, name="report-form"),
    path("report/template.<str:fmt>", views.download_template, name="report-template"),
    path("report/upload/", views.upload, name="report-upload"),
    path("report/upload/<int:pk>/commit/", views.upload_commit, name="report-commit"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review_action, name="review-action"),
]
