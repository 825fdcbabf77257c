from django.urls import path

from . import report_views

app_name = "reports"
urlpatterns = [
    path("form06/", report_views.Form06View.as_view(), name="form06"),
    path("runs/", report_views.StatsRunsView.as_view(), name="runs"),
]
