"""`manage.py create_target NAME --url URL --entities supplier,product [--secret S]`."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sync import services


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = "Create a sync target (a consuming system) and print its signing secret once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--url", default="", help="Webhook endpoint (HTTPS)")
        parser.add_argument("--folder", default="", help="File drop folder instead of a webhook")
        parser.add_argument("--format", dest="file_format", default="jsonl", choices=["jsonl", "csv"])
        parser.add_argument("--entities", required=True, type=_csv, help="e.g. supplier,product")
        parser.add_argument("--event-types", type=_csv, default=[], help="default: all event types")
        parser.add_argument("--secret", default=None, help="whsec_<base64>; generated when omitted")
        parser.add_argument("--source-system", default="", help="Code of the source system this target is")
        parser.add_argument("--own-keys", action="store_true", help="Send the target's own keys too")
        parser.add_argument("--paused", action="store_true", help="Queue events but do not send yet")

    def handle(self, *args, **options) -> None:
        try:
            target, secret = services.create_target(
                name=options["name"],
                url=options["url"],
                folder=options["folder"],
                transport="file_drop" if options["folder"] else "webhook",
                file_format=options["file_format"],
                entities=options["entities"],
                event_types=options["event_types"],
                secret=options["secret"],
                active=not options["paused"],
                source_system=options["source_system"],
                send_own_keys=options["own_keys"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created target {target.name} (id {target.pk})")
        self.stdout.write(f"signing secret (shown once): {secret}")
