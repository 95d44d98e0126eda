"""`manage.py setup_sandbox_targets`: ERP-sandbox and WMS-sandbox, served by the hub's own sandbox receiver."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mdm.models import Entity
from sync import services
from sync.models import Target

SANDBOXES = {"ERP-sandbox": "ERP", "WMS-sandbox": "WMS"}


class Command(BaseCommand):
    help = "Create (or re-point) the demo targets that deliver to /sync/sandbox/<name>/ on this hub."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Where this hub is served")

    def handle(self, *args, **options) -> None:
        base = options["base_url"].rstrip("/")
        for name, system in SANDBOXES.items():
            url = f"{base}/sync/sandbox/{name}/"
            existing = Target.objects.filter(name=name).first()
            try:
                if existing:
                    existing.url = url
                    existing.full_clean()
                    existing.save(update_fields=["url"])
                    self.stdout.write(f"{name}: delivers to {url}")
                    continue
                services.create_target(
                    name=name, url=url, entities=list(Entity.values), source_system=system, send_own_keys=True
                )
            except ValidationError as exc:
                raise CommandError(
                    f"{name}: {exc.messages} (the sandbox lives on this host: set SYNC_ALLOW_PRIVATE_TARGETS=1)"
                ) from exc
            self.stdout.write(f"{name}: created, delivers to {url}")
