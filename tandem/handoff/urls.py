from django.urls import path

from tandem.handoff.views import leads, reports, reps, scoring_model, service_levels, setup

app_name = "handoff"
urlpatterns = [
    path("<int:lead_id>/", leads.lead_detail, name="lead"),
    path("<int:lead_id>/accept/", leads.lead_accept, name="accept"),
    path("<int:lead_id>/reject/", leads.lead_reject, name="reject"),
    path("sla/", service_levels.sla, name="sla"),
    path("lifecycle/", reports.lifecycle, name="lifecycle"),
    path("feedback/", reports.feedback, name="feedback"),
    path("setup/", setup.setup, name="setup"),
    path("scoring-model/", scoring_model.scoring_model, name="scoring_model"),
    path(
        "scoring-model/retrain/",
        scoring_model.scoring_model_retrain,
        name="scoring_model_retrain",
    ),
    path("reps/", reps.reps, name="reps"),
    path("reps/<int:rep_id>/", reps.rep_set, name="rep_set"),
    path("setup/icp/", setup.icp_rule_add, name="icp_rule_add"),
    path("setup/stage/", setup.stage_rule_set, name="stage_rule_set"),
    path("setup/stage/<int:rule_id>/delete/", setup.stage_rule_delete, name="stage_rule_delete"),
    path("setup/icp/<int:rule_id>/delete/", setup.icp_rule_delete, name="icp_rule_delete"),
    path("setup/routing/", setup.routing_rule_add, name="routing_rule_add"),
    path(
        "setup/routing/<int:rule_id>/delete/", setup.routing_rule_delete, name="routing_rule_delete"
    ),
    path("setup/scoring/", setup.scoring_profile_set, name="scoring_profile_set"),
    path("setup/weights/", setup.touch_weights_set, name="touch_weights_set"),
    path("setup/service-levels/", setup.service_level_set, name="service_level_set"),
]
