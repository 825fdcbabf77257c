from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.MessageListView.as_view(), name="list"),
    path("<int:pk>/", views.MessageDetailView.as_view(), name="detail"),
    path("<int:pk>/retry/", views.MessageRetryView.as_view(), name="retry"),
]
