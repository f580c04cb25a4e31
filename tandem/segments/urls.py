from django.urls import path

from tandem.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_new, name="new"),
    path("count/", views.segment_count, name="count"),
    path("<int:segment_id>/", views.segment_detail, name="detail"),
    path("<int:segment_id>/edit/", views.segment_edit, name="edit"),
    path("<int:segment_id>/status/", views.segment_status, name="status"),
    path("<int:segment_id>/rebuild/", views.segment_rebuild, name="rebuild"),
    path("<int:segment_id>/delete/", views.segment_delete, name="delete"),
    path("<int:segment_id>/members/add/", views.members_add, name="members_add"),
    path("<int:segment_id>/members/remove/", views.members_remove, name="members_remove"),
    path("<int:segment_id>/members/import/", views.members_import, name="members_import"),
]
