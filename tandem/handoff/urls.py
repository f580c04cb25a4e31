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
    path("scoring-model/", views.scoring_model, name="scoring_model"),
    path("scoring-model/retrain/", views.scoring_model_retrain, name="scoring_model_retrain"),
    path("reps/", views.reps, name="reps"),
    path("reps/<int:rep_id>/", views.rep_set, name="rep_set"),
    path("setup/icp/", views.icp_rule_add, name="icp_rule_add"),
    path("setup/stage/", views.stage_rule_set, name="stage_rule_set"),
    path("setup/stage/<int:rule_id>/delete/", views.stage_rule_delete, name="stage_rule_delete"),
    path("setup/icp/<int:rule_id>/delete/", views.icp_rule_delete, name="icp_rule_delete"),
    path("setup/routing/", views.routing_rule_add, name="routing_rule_add"),
    path(
        "setup/routing/<int:rule_id>/delete/", views.routing_rule_delete, name="routing_rule_delete"
    ),
    path("setup/scoring/", views.scoring_profile_set, name="scoring_profile_set"),
    path("setup/weights/", views.touch_weights_set, name="touch_weights_set"),
    path("setup/service-levels/", views.service_level_set, name="service_level_set"),
]
