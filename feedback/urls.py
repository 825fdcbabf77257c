from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.FeedbackListView.as_view(), name="list"),
    path("new/", views.FeedbackReceiveView.as_view(), name="receive"),
    path("export.xlsx", views.FeedbackExportView.as_view(), name="export"),
    path("<str:code>/", views.FeedbackDetailView.as_view(), name="detail"),
    path("<str:code>/actions/<str:action>/", views.FeedbackStepView.as_view(), name="action"),
]
