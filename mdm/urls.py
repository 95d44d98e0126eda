"""URL map of the hub: admin, probes, the REST API (v1), sync sandbox and the stewardship UI."""
from django.contrib import admin
from django.urls import include, path

from mdm import health
from mdm.metrics import metrics_view

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("mdm.api.urls")),
    path("sync/", include("sync.urls")),
    path("", include("stewardship.urls")),
]
