"""Tandem's URL map: each area's pages under its own prefix, the API under /api/v1/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tandem.access import views as access_views
from tandem.access.login import LoginView
from tandem.api import api
from tandem.collaboration import survey_views
from tandem.marketing import content_views as marketing_content_views
from tandem.marketing import views as marketing_views

# A busy database answers 503 with Retry-After, from any view or middleware (tandem.ops.views).
handler500 = "tandem.ops.views.server_error"

urlpatterns = [
    path("", access_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", access_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", access_views.token_revoke, name="token_revoke"),
    path("marketing/", include("tandem.marketing.urls")),
    path("sales/", include("tandem.sales.urls")),
    path("orders/", include("tandem.orders.urls")),
    path("segments/", include("tandem.segments.urls")),
    path("mail/", include("tandem.mailing.urls")),
    path("reports/", include("tandem.reports.urls")),
    path("leads/", include("tandem.handoff.urls")),
    path("shared/", include("tandem.dashboards.urls")),
    path("audit/", include("tandem.audit.urls")),
    path("imports/", include("tandem.imports.urls")),
    path("exports/", include("tandem.exports.urls")),
    path("privacy/", include("tandem.privacy.urls")),
    path("inbox/", include("tandem.collaboration.urls")),
    path("settings/webhooks/", include("tandem.webhooks.urls")),
    path("settings/fields/", include("tandem.fields.urls")),
    path("surveys/", include("tandem.collaboration.survey_urls")),
    path("", include("tandem.people.urls")),
    path("f/<slug:slug>/", marketing_views.public_form, name="public_form"),
    path("s/p/<slug:slug>/", survey_views.survey_public, name="survey_public"),
    path("f/confirm/<str:token>/", marketing_views.form_confirm, name="form_confirm"),
    path("t/p.gif", marketing_views.pixel, name="tracking_pixel"),
    path("c/<str:token>/", marketing_content_views.shared_view, name="content_view"),
    path("s/<str:token>/", survey_views.survey_answer, name="survey_answer"),
    path("api/v1/", api.urls),
    # A mail provider's tracking webhooks (django-anymail), e.g. /anymail/postmark/tracking/.
    path("anymail/", include("tandem.mailing.provider_webhooks")),
    path("admin/", admin.site.urls),
]
