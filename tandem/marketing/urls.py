from django.urls import path

from tandem.marketing import views

app_name = "marketing"
urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/", views.campaigns, name="campaigns"),
]
