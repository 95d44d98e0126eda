"""python manage.py create_system CODE --name NAME --kind KIND: register a system, print a token."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mdm.models import SystemKind
from mdm.services.systems import create_source_system, issue_token


class Command(BaseCommand):
    help = "Register a source system and print a new API token for it (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=SystemKind.values, default=SystemKind.OTHER)
        parser.add_argument("--priority", type=int, default=100,
                            help="survivorship rank, lower wins (default 100)")
        parser.add_argument("--country", default="",
                            help="default country of records that name none, e.g. US or Germany")
        parser.add_argument("--no-token", action="store_true", help="register without issuing a token")

    def handle(self, *args, **options) -> None:
        try:
            system = create_source_system(code=options["code"], name=options["name"], kind=options["kind"],
                                          priority=options["priority"], default_country=options["country"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"registered source system {system.code} ({system.get_kind_display()})")
        if not options["no_token"]:
            raw, _token = issue_token(system=system, name="created by create_system")
            self.stderr.write("API token (shown once, store it safely):")
            self.stdout.write(raw)
