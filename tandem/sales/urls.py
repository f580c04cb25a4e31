from django.urls import path

from tandem.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.home, name="home"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal"),
    path("deals/<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:deal_id>/win/", views.deal_win, name="deal_win"),
    path("deals/<int:deal_id>/lose/", views.deal_lose, name="deal_lose"),
    path("deals/<int:deal_id>/notes/", views.deal_notes, name="deal_notes"),
]
