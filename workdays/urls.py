from django.urls import path

from . import views

app_name = "workdays"

urlpatterns = [
    path("", views.SpecialDaysView.as_view(), name="special_days"),
    path("<int:year>/", views.SpecialDaysView.as_view(), name="special_days_year"),
]
