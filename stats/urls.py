from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("form06/", views.Form06View.as_view(), name="form06"),
    path("index766/", views.Index766View.as_view(), name="index766"),
    path("index766/units/", views.Index766UnitsView.as_view(), name="index766-units"),
    path("runs/", views.StatsRunsView.as_view(), name="runs"),
    path("form06/submit/", views.SubmitPeriodView.as_view(), name="submit"),
]
