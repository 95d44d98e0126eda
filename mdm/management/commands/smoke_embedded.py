"""python manage.py smoke_embedded: prove the embedded default (SQLite + filesystem broker) works.

Migrates, registers a system, ingests a small generated data set, checks the crosswalk and
answers /readyz through the real request stack. Exits non-zero on the first failure.
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from mdm.models import SourceRecord, SourceStatus, SourceSystem, Supplier
from mdm.services.systems import create_source_system


class Command(BaseCommand):
    help = "Smoke-test the embedded default: SQLite in WAL mode and the filesystem Celery broker."

    def handle(self, *args, **options) -> None:
        engine = settings.DATABASES["default"]["ENGINE"]
        if not engine.endswith("sqlite3") or not settings.CELERY_BROKER_URL.startswith("filesystem://"):
            raise CommandError(f"not the embedded default: {engine}, {settings.CELERY_BROKER_URL}")
        call_command("migrate", verbosity=0)
        call_command("seed_units", verbosity=0)
        for code, priority in (("ERP", 10), ("WMS", 30)):
            if not SourceSystem.objects.filter(code=code).exists():
                create_source_system(code=code, name=code, priority=priority)
        with tempfile.TemporaryDirectory() as tmp:
            call_command("generate_demo_data", suppliers=60, products=40, locations=10, seed=3, out=tmp,
                         verbosity=0)
            for entity in ("uom", "supplier", "location", "product"):
                for system in ("ERP", "WMS"):
                    path = Path(tmp) / f"{system}_{entity}.csv"
                    if path.exists():
                        call_command("ingest", entity, str(path), system=system, stdout=io.StringIO())
        linked = SourceRecord.objects.filter(status=SourceStatus.LINKED).count()
        if linked == 0 or not Supplier.objects.exists():
            raise CommandError("ingest on SQLite linked nothing")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
        if mode != "wal":
            raise CommandError(f"SQLite journal mode is {mode}, expected wal")
        response = Client().get("/readyz")
        if response.status_code != 200:
            raise CommandError(f"/readyz answered {response.status_code}: {response.content!r}")
        self.stdout.write(f"embedded default OK: {linked} linked source records, "
                          f"{Supplier.objects.count()} suppliers, /readyz {response.json()['checks']}")

