"""`manage.py generate_demo_data`: write ERP, WMS and PORTAL exports plus truth.csv into a folder."""
from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from mdm.demo.generator import DEFAULT_COUNTS, generate


class Command(BaseCommand):
    help = "Generate realistic, reproducible source-system CSV exports with known duplicates (truth.csv)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--suppliers", type=int, default=DEFAULT_COUNTS["suppliers"])
        parser.add_argument("--products", type=int, default=DEFAULT_COUNTS["products"])
        parser.add_argument("--locations", type=int, default=DEFAULT_COUNTS["locations"])
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", type=Path, default=Path("demo_data"), help="folder to write into")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        counts = generate(
            options["out"], suppliers=options["suppliers"], products=options["products"],
            locations=options["locations"], seed=options["seed"],
        )
        elapsed = time.perf_counter() - started
        if options["verbosity"] < 1:
            return
        for name, rows in counts.items():
            self.stdout.write(f"{name:<24} {rows:>10,} rows")
        self.stdout.write(self.style.SUCCESS(f"Wrote {sum(counts.values()):,} rows to {options['out']} "
                                             f"in {elapsed:.1f}s"))
