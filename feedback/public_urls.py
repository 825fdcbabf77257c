"""The citizen's feedback pages (no login), mounted at ``/feedback/public/``."""

from django.urls import path

from . import public_views

app_name = "feedback-public"
urlpatterns = [
    path("send/", public_views.FeedbackSendView.as_view(), name="send"),
    path("", public_views.FeedbackStatusView.as_view(), name="status"),
    path("rate/", public_views.FeedbackRateView.as_view(), name="rate"),
]
