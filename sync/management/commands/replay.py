"""`manage.py replay TARGET [--since T | --dead-letters | --delivery ID]`."""
from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime

from sync import services
from sync.models import Delivery, Target


def parse_since(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since: not an ISO date or date-time: {value!r}")
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Send deliveries of a target again: dead letters, one delivery, or every event since a time."

    def add_arguments(self, parser) -> None:
        parser.add_argument("target", help="Target name")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--since", help="ISO date or date-time: queue every event since then")
        group.add_argument("--dead-letters", action="store_true")
        group.add_argument("--delivery", type=int, help="Id of one delivery")

    def handle(self, *args, **options) -> None:
        target = Target.objects.filter(name=options["target"]).first()
        if target is None:
            raise CommandError(f"no target named {options['target']!r}")
        if options["dead_letters"]:
            count = services.replay_dead_letters(target=target)
            self.stdout.write(f"{count} dead letters of {target.name} queued again")
        elif options["delivery"]:
            delivery = Delivery.objects.filter(pk=options["delivery"], target=target).first()
            if delivery is None:
                raise CommandError(f"no delivery {options['delivery']} for {target.name}")
            services.replay_delivery(delivery=delivery)
            self.stdout.write(f"delivery {delivery.pk} queued again")
        else:
            count = services.replay_since(target=target, since=parse_since(options["since"]))
            self.stdout.write(f"{count} events since {options['since']} queued for {target.name}")
