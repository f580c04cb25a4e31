from django.urls import path

from tandem.handoff import views

app_name = "handoff"
urlpatterns = [
    path("<int:lead_id>/", views.lead_detail, name="lead"),
    path("<int:lead_id>/accept/", views.lead_accept, name="accept"),
    path("<int:lead_id>/reject/", views.lead_reject, name="reject"),
    path("sla/", views.sla, name="sla"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("feedback/", views.feedback, name="feedback"),
    path("setup/", views.setup, name="setup"),
    path("reps/", views.reps, name="reps"),
    path("reps/<int:rep_id>/", views.rep_set, name="rep_set"),
    path("setup/icp/", views.icp_rule_add, name="icp_rule_add"),
    path("setup/stage/", views.stage_rule_set, name="stage_rule_set"),
]
