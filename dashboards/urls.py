from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.DashboardIndexView.as_view(), name="index"),
    path("ministry/", views.MinistryDashboardView.as_view(), name="ministry"),
    path("units/<str:code>/", views.UnitDashboardView.as_view(), name="unit"),
]
