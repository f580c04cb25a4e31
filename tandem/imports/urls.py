from django.urls import path

from tandem.imports.views import run, steps

app_name = "imports"
urlpatterns = [
    path("", steps.import_list, name="list"),
    path("new/", steps.import_new, name="new"),
    path("<int:job_id>/", run.import_detail, name="detail"),
    path("<int:job_id>/map/", steps.import_map, name="map"),
    path("<int:job_id>/values/", steps.import_values, name="values"),
    path("<int:job_id>/dry-run/", run.import_dry_run, name="dry_run"),
    path("<int:job_id>/start/", run.import_start, name="start"),
    path("<int:job_id>/problems.csv", run.import_problems, name="problems"),
    path("<int:job_id>/undo/", run.import_undo, name="undo"),
]
