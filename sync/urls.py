"""URLs of the sync app, included under /sync/: the demo sandbox receiver."""
from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("sandbox/<str:name>/", views.sandbox_receiver, name="sandbox"),
]
