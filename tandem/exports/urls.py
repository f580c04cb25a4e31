from django.urls import path, re_path

from tandem.exports import views

app_name = "exports"
urlpatterns = [
    re_path(r"^lists/(?P<name>[a-z-]+)\.(?P<fmt>csv|xlsx)$", views.list_download, name="list"),
    path("company/", views.company, name="company"),
    path("company/rows/", views.company_rows, name="company_rows"),
    path("company/<int:export_id>/download/", views.company_download, name="company_download"),
    path("company/<int:export_id>/delete/", views.company_delete, name="company_delete"),
]
