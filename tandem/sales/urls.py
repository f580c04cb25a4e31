from django.urls import path

from tandem.dashboards import views as dashboards_views
from tandem.sales import plan_views, review_views, views

app_name = "sales"
urlpatterns = [
    path("", dashboards_views.sales, name="home"),
    path("board/", views.board, name="board"),
    path("deals/", views.deal_list, name="deals"),
    path("deals/new/", views.deal_new, name="deal_new"),
    path("day/", views.day, name="day"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal"),
    path("deals/<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:deal_id>/win/", views.deal_win, name="deal_win"),
    path("deals/<int:deal_id>/lose/", views.deal_lose, name="deal_lose"),
    path("deals/<int:deal_id>/notes/", views.deal_notes, name="deal_notes"),
    path("deals/<int:deal_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/committee/", views.committee_add, name="committee_add"),
    path(
        "deals/<int:deal_id>/committee/<int:member_id>/remove/",
        views.committee_remove,
        name="committee_remove",
    ),
    path("deals/<int:deal_id>/answers/<int:question_id>/", views.answer_save, name="answer"),
    path("deals/<int:deal_id>/activities/", views.activity_add, name="activity_add"),
    path("activities/<int:activity_id>/done/", views.activity_done, name="activity_done"),
    path("pipelines/", plan_views.pipelines, name="pipelines"),
    path("pipelines/<int:pipeline_id>/", plan_views.pipeline, name="pipeline"),
    path("pipelines/<int:pipeline_id>/stages/", plan_views.stage_save, name="stage_save"),
    path("pipelines/<int:pipeline_id>/questions/", plan_views.question_save, name="question_save"),
    path("targets/", plan_views.targets_page, name="targets"),
    path("ramp/", plan_views.ramp, name="ramp"),
    path("forecast/", plan_views.forecast_page, name="forecast"),
    path("reviews/", review_views.reviews, name="reviews"),
    path("reviews/<int:review_id>/decide/", review_views.review_decide, name="review_decide"),
    path("deals/<int:deal_id>/review/", review_views.review_open, name="review_open"),
    path("research/", review_views.research, name="research"),
]
