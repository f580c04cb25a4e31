from django.urls import path

from tandem.collaboration import views

app_name = "collaboration"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("preference/", views.preference, name="preference"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="read"),
    path("comments/<str:resource>/<int:target_id>/", views.comment_post, name="comment_post"),
    path(
        "assignments/new/<str:resource>/<int:target_id>/",
        views.assignment_new,
        name="assignment_new",
    ),
    path("assignments/<int:assignment_id>/", views.assignment_update, name="assignment_update"),
]
