from django.urls import path

from tandem.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("attribution/", views.attribution, name="attribution"),
    path("funnel/", views.funnel, name="funnel"),
    path("lifetime/", views.lifetime, name="lifetime"),
    path("profitability/", views.profitability, name="profitability"),
    path("forecast/", views.forecast, name="forecast"),
    path("media-mix/", views.mediamix, name="mediamix"),
    path("runs/<int:run_id>/", views.run_progress, name="run_progress"),
]
