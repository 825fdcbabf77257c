from django.urls import path

from . import dashboard_views

app_name = "dashboards"
urlpatterns = [
    path("", dashboard_views.DashboardIndexView.as_view(), name="index"),
    path("ministry/", dashboard_views.MinistryDashboardView.as_view(), name="ministry"),
    path("units/<str:code>/", dashboard_views.UnitDashboardView.as_view(), name="unit"),
]
