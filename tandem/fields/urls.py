from django.urls import path

from tandem.fields import views

app_name = "fields"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("<int:field_id>/", views.field_edit, name="edit"),
    path("<int:field_id>/move/", views.field_move, name="move"),
    path("<int:field_id>/archive/", views.field_archive, name="archive"),
    path("values/<str:entity>/<int:record_id>/", views.values_save, name="values"),
]
