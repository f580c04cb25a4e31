from django.urls import path

from tandem.dashboards import views as dashboards_views
from tandem.marketing import campaign_views, content_views, form_views

app_name = "marketing"
urlpatterns = [
    path("", dashboards_views.marketing, name="home"),
    path("campaigns/", campaign_views.campaigns, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", campaign_views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/spend/", campaign_views.spend_add, name="spend_add"),
    path(
        "campaigns/<int:campaign_id>/spend/<int:line_id>/delete/",
        campaign_views.spend_delete,
        name="spend_delete",
    ),
    path("campaigns/<int:campaign_id>/links/", campaign_views.link_create, name="link_create"),
    path("forms/", form_views.forms, name="forms"),
    path("content/", content_views.library, name="content"),
    path("content/<int:asset_id>/", content_views.asset_detail, name="content_asset"),
    path("content/<int:asset_id>/file/", content_views.asset_file, name="content_file"),
    path("content/<int:asset_id>/share/", content_views.asset_share, name="content_share"),
    path("content/for-deal/<int:deal_id>/", content_views.deal_content, name="deal_content"),
    path("forms/new/", form_views.form_new, name="form_new"),
    path("forms/<int:form_id>/", form_views.form_edit, name="form_edit"),
]
