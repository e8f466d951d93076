from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views import defaults

from apps.accounts.forms import PasswordResetRequestForm, SignInForm
from apps.accounts.views import language_switch
from apps.api.exceptions import api_error_or_page
from apps.cases import urls as case_urls
from apps.core.views import HealthView, bad_request
from apps.portal import urls as portal_urls
from apps.portal.views import HomeView
from apps.reports.views import IatiActivityFileView, IatiOrganisationFileView, PublicNeedsView

# The case's own actions first: their fixed paths (``new/``) before the case page's reference.
case_patterns = ([*case_urls.urlpatterns, *portal_urls.urlpatterns], case_urls.app_name)

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("apps.accounts.urls")),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("cases/", include(case_patterns)),
    path("notifications/", include("apps.notifications.urls")),
    path("funding/", include("apps.funding.urls")),
    path("followup/", include("apps.followup.urls")),
    path("api/", include("apps.api.urls")),
    path("reports/", include("apps.reports.urls")),
    path("needs/", PublicNeedsView.as_view(), name="public-needs"),
    # The open data registered with the IATI Registry: stable URLs, no sign-in, no language.
    path("iati/activities.xml", IatiActivityFileView.as_view(), name="iati-activities"),
    path("iati/organisation.xml", IatiOrganisationFileView.as_view(), name="iati-organisation"),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("security/", include("apps.security.urls")),
    path("settings/", include("apps.core.urls")),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
]

# Uploaded files are never served from MEDIA_URL (not even with DEBUG): only through views that
# check the user's permission on the case (e.g. ``cases:attachment-download``).

# Under /api/, errors met outside the API's views answer in its JSON format, not as pages.
handler400 = api_error_or_page(400, bad_request)
handler403 = api_error_or_page(403, defaults.permission_denied)
handler404 = api_error_or_page(404, defaults.page_not_found)
handler500 = api_error_or_page(500, defaults.server_error)
