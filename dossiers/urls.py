from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("", views.DossierListView.as_view(), name="list"),
    path("new/", views.DossierReceiveView.as_view(), name="receive"),
    # Before "<str:code>/": a dossier code never starts with "calendar-changes".
    path("calendar-changes/<int:pk>/apply/", views.RecalculateDeadlinesView.as_view(), name="recalculate"),
    # "imports/new/" and "reconciliations/new/" cannot be a dossier's page: no "<code>/new/" route.
    path("imports/new/", views.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path("imports/<int:pk>/errors.csv", views.ImportJobErrorsView.as_view(), name="import_job_errors"),
    path("reconciliations/new/", views.ReconciliationNewView.as_view(), name="reconciliation_new"),
    path("reconciliations/<int:pk>/", views.ReconciliationView.as_view(), name="reconciliation"),
    path(
        "reconciliations/<int:pk>/export.xlsx", views.ReconciliationExportView.as_view(), name="reconciliation_export"
    ),
    path("<str:code>/", views.DossierDetailView.as_view(), name="detail"),
    path("<str:code>/actions/<str:action>/", views.DossierActionView.as_view(), name="action"),
    path(
        "<str:code>/proposals/<int:pk>/<str:decision>/",
        views.ProposalDecisionView.as_view(),
        name="proposal-decision",
    ),
    path("<str:code>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("<str:code>/apology/", views.ApologyView.as_view(), name="apology"),
]
