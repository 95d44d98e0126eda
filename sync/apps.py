"""Governed sync: the event log, the outbox and Celery deliveries to consuming systems."""
from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"

    def ready(self) -> None:
        # Connects the signals that keep record_event's cache of subscriptions fresh.
        from . import services  # noqa: F401
