from django.urls import path

from . import views

app_name = "emulation-api"
LIST, DETAIL = {"get": "list"}, {"get": "retrieve"}
urlpatterns = [
    path("", views.YearViewSet.as_view(LIST), name="year-list"),
    path("<int:year>/", views.YearViewSet.as_view(DETAIL), name="year-detail"),
    path("<int:year>/units/", views.UnitScoreViewSet.as_view(LIST), name="unit-list"),
    path("<int:year>/units/<str:code>/", views.UnitScoreViewSet.as_view(DETAIL), name="unit-detail"),
    path("<int:year>/leaders/", views.LeaderScoreViewSet.as_view(LIST), name="leader-list"),
    path("<int:year>/leaders/<int:tenure>/", views.LeaderScoreViewSet.as_view(DETAIL), name="leader-detail"),
]
