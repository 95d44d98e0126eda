"""python manage.py demo: set up the hub with demo data and run it (web, worker, beat) until Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from mdm.models import SourceRecord, SourceSystem
from mdm.services.roles import ensure_user
from mdm.services.systems import create_source_system

DEMO_SYSTEMS = (
    ("ERP", "Enterprise resource planning", "erp", 10),
    ("PORTAL", "Supplier portal", "supplier_portal", 20),
    ("WMS", "Warehouse management", "wms", 30),
)
LOAD_ORDER = ("uom", "supplier", "location", "product")


class Command(BaseCommand):
    help = "Migrate, create demo users and data, then run the web server and a Celery worker with beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set up only; do not start the servers")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, **options) -> None:
        # The demo's sandbox targets live on this host, which production settings refuse.
        settings.SYNC_ALLOW_PRIVATE_TARGETS = True
        os.environ["SYNC_ALLOW_PRIVATE_TARGETS"] = "1"
        call_command("migrate", verbosity=0)
        password = os.environ.get("DEMO_PASSWORD", "demo")
        for username in ("steward", "auditor", "admin"):
            ensure_user(username=username, password=password, role=username)
        self.stdout.write(f"users: steward, auditor, admin (password: {password})")
        self.load_demo_data()
        if options["no_serve"]:
            return
        self.serve(options["addr"])

    def load_demo_data(self) -> None:
        for code, name, kind, priority in DEMO_SYSTEMS:
            if not SourceSystem.objects.filter(code=code).exists():
                create_source_system(code=code, name=name, kind=kind, priority=priority)
        call_command("setup_sandbox_targets", verbosity=0)
        if SourceRecord.objects.exists():
            self.stdout.write("demo data already loaded")
            return
        call_command("seed_units", verbosity=0)
        out = Path(settings.DATA_DIR) / "demo-data"
        call_command("generate_demo_data", out=str(out), seed=42, verbosity=0)
        for entity in LOAD_ORDER:
            for code, *_ in DEMO_SYSTEMS:
                path = out / f"{code}_{entity}.csv"
                if path.exists():
                    self.stdout.write(f"loading {path.name}")
                    call_command("ingest", entity, str(path), system=code, stdout=self.stdout)
        from mdm.models import Product
        from mdm.uom.demo import create_demo_packaging, install_demo_unit_codes

        install_demo_unit_codes(SourceSystem.objects.all())
        create_demo_packaging(Product.objects.filter(status="active"), seed=42)

    def serve(self, addr: str) -> None:
        env = {**os.environ, "SYNC_ALLOW_PRIVATE_TARGETS": "1"}
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mdm", "worker", "-B", "--loglevel", "INFO",
             "--concurrency", "2", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
            env=env, cwd=settings.BASE_DIR,
        )
        web = subprocess.Popen([*manage, "runserver", addr, "--noreload"], env=env)
        self.stdout.write(f"Rosetta is running on http://{addr}/ (admin: /admin/). Ctrl-C stops everything.")
        try:
            while web.poll() is None and worker.poll() is None:
                try:
                    web.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
