"""python manage.py rebuild_match_keys ENTITY: derive stored match and blocking keys again."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from mdm.services.matching import MATCHED_ENTITIES, rebuild_match_keys


class Command(BaseCommand):
    help = ("Derive the stored match keys and blocking keys of an entity's records again, from their normalized "
            "values: after an upgrade that adds match evidence or changes a normalization. Loads may go on meanwhile.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=MATCHED_ENTITIES)
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        count = rebuild_match_keys(entity=options["entity"], batch_size=options["batch_size"])
        seconds = time.perf_counter() - started
        self.stdout.write(f"{options['entity']}: keys of {count} records derived again in {seconds:.1f} s")
