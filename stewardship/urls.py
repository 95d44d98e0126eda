"""Routes of the stewardship and audit UI, mounted at the site root."""
from django.urls import path

from . import views

app_name = "stewardship"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("quality/", views.dashboard_quality, name="dashboard_quality"),
    path("search/", views.search, name="search"),
    path("review/", views.review_list, name="review_list"),
    path("review/bulk-accept/", views.review_bulk_accept, name="review_bulk_accept"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
    path("review/<int:pk>/<str:action>/", views.review_decide, name="review_decide"),
    path("golden/<str:entity>/<str:golden_id>/", views.golden_detail, name="golden"),
    path("golden/<str:entity>/<str:golden_id>/as-of/", views.golden_as_of, name="golden_as_of"),
    path("golden/<str:entity>/<str:golden_id>/pin/", views.golden_pin_view, name="golden_pin"),
    path("golden/<str:entity>/<str:golden_id>/unpin/", views.golden_unpin_view, name="golden_unpin"),
    path("golden/<str:entity>/<str:golden_id>/unmerge/", views.golden_unmerge_view, name="golden_unmerge"),
    path("quarantine/", views.quarantine_list, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantine_detail, name="quarantine_detail"),
    path("quarantine/<int:pk>/fix/", views.quarantine_fix, name="quarantine_fix"),
    path("quarantine/<int:pk>/discard/", views.quarantine_discard, name="quarantine_discard"),
    path("targets/", views.sync_list, name="sync"),
    path("targets/new/", views.sync_target_create, name="sync_target_create"),
    path("targets/<int:pk>/", views.sync_target, name="sync_target"),
    path("targets/<int:pk>/pause/", views.sync_target_set_active, {"active": False}, name="sync_target_pause"),
    path("targets/<int:pk>/resume/", views.sync_target_set_active, {"active": True}, name="sync_target_resume"),
    path("targets/<int:pk>/replay-since/", views.sync_replay_since, name="sync_replay_since"),
    path("targets/<int:pk>/replay-dead/", views.sync_replay_dead, name="sync_replay_dead"),
    path("deliveries/<int:pk>/replay/", views.sync_replay_delivery, name="sync_replay_delivery"),
    path("units/", views.unit_codes, name="unit_codes"),
    path("units/map/", views.unit_map, name="unit_map"),
    path("history/", views.history, name="history"),
    path("history.csv", views.history_csv, name="history_csv"),
]
