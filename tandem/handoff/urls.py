from django.urls import path

from tandem.handoff import views

app_name = "handoff"
urlpatterns = [
    path("<int:lead_id>/accept/", views.lead_accept, name="accept"),
    path("<int:lead_id>/reject/", views.lead_reject, name="reject"),
]
