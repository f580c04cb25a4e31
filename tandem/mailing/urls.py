from django.urls import path

from tandem.mailing import public_views, views

app_name = "mailing"
urlpatterns = [
    path("", views.sends, name="sends"),
    path("sends/new/", views.send_new, name="send_new"),
    path("sends/<int:send_id>/", views.send_detail, name="send_detail"),
    path("sends/<int:send_id>/progress/", views.send_progress, name="send_progress"),
    path("sends/<int:send_id>/<str:action>/", views.send_action, name="send_action"),
    path(
        "sends/<int:send_id>/recipients/<int:recipient_id>/<str:outcome>/",
        views.recipient_settle,
        name="recipient_settle",
    ),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/preview/", views.template_preview, name="template_preview"),
    path("suppressions/", views.suppressions, name="suppressions"),
    path("topics/", views.topics, name="topics"),
    # Public, reached from the email itself.
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", public_views.contact_preferences, name="contact_preferences"),
    path("o/<str:token>.gif", public_views.open_pixel, name="open"),
    path("c/<str:token>/", public_views.click, name="click"),
]
