from django.urls import path

from tandem.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay, name="replay"),
]
