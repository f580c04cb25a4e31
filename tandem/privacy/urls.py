from django.urls import path

from tandem.privacy import views

app_name = "privacy"
urlpatterns = [
    path(
        "contacts/<int:contact_id>/personal-data.zip",
        views.personal_data,
        name="personal_data",
    ),
    path("contacts/<int:contact_id>/erase/", views.erase, name="erase"),
]
