"""The applicant's public pages (no login), mounted at ``/lookup/``."""

from django.urls import path

from . import public_views

app_name = "lookup"
urlpatterns = [
    path("", public_views.PublicStatusView.as_view(), name="status"),
    path("rate/", public_views.PublicRateView.as_view(), name="rate"),
]
