"""Routes of /api/v1/."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from mdm.api import schema, views  # noqa: F401  (schema registers the token scheme)
from mdm.api.ingest import IngestView
from mdm.api.sync import TargetViewSet

router = SimpleRouter()
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("products", views.ProductViewSet, basename="product")
router.register("locations", views.LocationViewSet, basename="location")
router.register("units-of-measure", views.UnitOfMeasureViewSet, basename="uom")
router.register("source-records", views.SourceRecordViewSet, basename="source-record")
router.register("quarantine", views.QuarantineViewSet, basename="quarantine")
router.register("targets", TargetViewSet, basename="target")

urlpatterns = [
    path("ingest/<str:entity>/", IngestView.as_view(), name="ingest"),
    path("uom/", include("mdm.uom.api")),
    path("crosswalk/<str:entity>/translate/", views.TranslateView.as_view(), name="crosswalk-translate"),
    path("crosswalk/<str:entity>/<str:system>/<path:source_key>/", views.CrosswalkLookupView.as_view(),
         name="crosswalk-lookup"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("not-a-match/", views.NotAMatchView.as_view(), name="not-a-match"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    *router.urls,
]
