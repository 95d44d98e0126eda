"""Rosetta's master data core: golden records, source records, crosswalk, ingest and matching."""
from .celery import app as celery_app

__all__ = ("celery_app",)
