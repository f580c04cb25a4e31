from django.urls import re_path

from tandem.exports import views

app_name = "exports"
urlpatterns = [
    re_path(r"^lists/(?P<name>[a-z-]+)\.(?P<fmt>csv|xlsx)$", views.list_download, name="list"),
]
