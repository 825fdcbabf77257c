from django.urls import path

from .views import FeedbackStatsView, Form06StatsView, Index766StatsView, RatesStatsView

app_name = "stats-api"
urlpatterns = [
    path("form06/", Form06StatsView.as_view(), name="form06"),
    path("rates/", RatesStatsView.as_view(), name="rates"),
    path("feedback/", FeedbackStatsView.as_view(), name="feedback"),
    path("index766/", Index766StatsView.as_view(), name="index766"),
]
