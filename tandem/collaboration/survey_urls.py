from django.urls import path

from tandem.collaboration import survey_views as views

app_name = "surveys"
urlpatterns = [
    path("", views.surveys, name="list"),
    path("<int:survey_id>/", views.survey_detail, name="survey"),
    path("<int:survey_id>/send/", views.survey_send, name="send"),
    path("<int:survey_id>/close/", views.survey_close, name="close"),
    path("<int:survey_id>/publish/", views.survey_publish, name="publish"),
]
