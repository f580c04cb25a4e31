from django.urls import path

from tandem.dashboards import views

app_name = "dashboards"
urlpatterns = [path("", views.shared, name="shared")]
