"""Governed sync: the event log, the outbox and Celery deliveries to consuming systems."""
