from django.urls import path

from tandem.imports import run_views, views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<int:job_id>/", run_views.import_detail, name="detail"),
    path("<int:job_id>/map/", views.import_map, name="map"),
    path("<int:job_id>/values/", views.import_values, name="values"),
    path("<int:job_id>/dry-run/", run_views.import_dry_run, name="dry_run"),
    path("<int:job_id>/start/", run_views.import_start, name="start"),
    path("<int:job_id>/problems.csv", run_views.import_problems, name="problems"),
    path("<int:job_id>/undo/", run_views.import_undo, name="undo"),
]
