from django.urls import path

from .views import Form06StatsView, RatesStatsView

app_name = "stats-api"
urlpatterns = [
    path("form06/", Form06StatsView.as_view(), name="form06"),
    path("rates/", RatesStatsView.as_view(), name="rates"),
]
