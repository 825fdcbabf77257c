"""Web pages at the site root: login, logout and the unit tree (the home page lives in ``dashboards``).

No ``app_name`` here: "login", "logout" and "home" are the project-wide names settings refer to
(LOGIN_URL, LOGIN_REDIRECT_URL); the unit tree alone is namespaced, as "units:tree".
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

unit_pages = (
    [path("", views.UnitTreeView.as_view(), name="tree")],
    "units",
)

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", include(unit_pages)),
]
