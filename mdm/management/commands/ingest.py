"""python manage.py ingest ENTITY FILE --system CODE [--format csv|jsonl|json|workbook] [--map SRC=FIELD ...]

The encoding, the CSV delimiter and column names that differ only in case or spacing are found
from the file itself (and can be given); what was found is printed before the summary."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mdm.ingest.files import (
    AUTO,
    DELIMITERS,
    FORMATS,
    NULL_VALUES,
    FileRejected,
    parse_ignored,
    parse_mapping,
    parse_null_values,
    plan,
    read_records,
)
from mdm.ingest.loader import DEFAULT_TIMEOUT, DISTRIBUTE, CannotDistribute, LoadFailed, load_records
from mdm.ingest.schema import ENTITIES
from mdm.ingest.services import Outcome
from mdm.models import MatchModelVersion, SourceRecord, SourceStatus, SourceSystem
from mdm.selectors import quarantine_reasons
from mdm.services.matching import MATCHED_ENTITIES, train_model

# Below this many records, EM has too little to learn from and the defaults are kept.
AUTO_TRAIN_MIN_RECORDS = 1000


class Command(BaseCommand):
    help = "Ingest a CSV or JSONL file of source records of one entity from one source system."

    def add_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=ENTITIES)
        parser.add_argument("file")
        parser.add_argument("--system", required=True, help="source system code, e.g. ERP")
        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="csv, jsonl, json (an array of records) or workbook (Excel .xlsx/.xlsm/.xlsb/.xls or "
                                 "OpenDocument .ods); default from the file name")
        parser.add_argument("--sheet", default=None, help="the sheet of a workbook to read (default: the first)")
        parser.add_argument("--map", action="append", default=[], metavar="SOURCE_COLUMN=FIELD")
        parser.add_argument(
            "--ignore", action="append", default=[], metavar="COLUMN[,COLUMN...]",
            help="columns of the export the hub does not hold (payment terms, audit columns...): left out, not "
                 "refused as unknown; names match ignoring case and spacing, a JSON object's name leaves out "
                 "all its keys",
        )
        parser.add_argument(
            "--encoding", default=AUTO,
            help="the file's text encoding, e.g. utf-8, cp1252, latin-1, utf-16 (default auto: UTF-8 or UTF-16, "
                 "else Windows-1252)",
        )
        parser.add_argument(
            "--delimiter", default=AUTO,
            help=f"CSV delimiter: {', '.join(DELIMITERS.values())} or the character itself (default auto: the one "
                 "the header line uses; tab for .tsv files)",
        )
        parser.add_argument(
            "--null-values", default=None, metavar="A,B,...",
            help=f"values read as empty, ignoring case (default: {','.join(NULL_VALUES)}); \"\" for none",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--workers", type=int, default=None,
            help="processes loading side by side (default: one per core, up to 8; always 1 on SQLite)",
        )
        parser.add_argument(
            "--distribute", choices=DISTRIBUTE, default="auto",
            help="celery: spread the batches over the running Celery workers (PostgreSQL and a result backend "
                 "needed); local: --workers processes of this machine; auto (default): celery when a worker "
                 "answers, else local",
        )
        parser.add_argument(
            "--shards", type=int, default=None,
            help="with Celery: partitions of the file, each with one batch in flight "
                 "(default: twice the worker processes that answer)",
        )
        parser.add_argument(
            "--timeout", type=float, default=DEFAULT_TIMEOUT,
            help=f"with Celery: give up when no batch finishes for this many seconds (default {DEFAULT_TIMEOUT:.0f})",
        )
        parser.add_argument(
            "--train", choices=["auto", "never"], default="auto",
            help="auto: after loading, estimate the match model from the data when none is trained yet "
                 f"and at least {AUTO_TRAIN_MIN_RECORDS} records of two or more systems are loaded",
        )

    def handle(self, *args, **options) -> None:
        entity = options["entity"]
        try:
            system = SourceSystem.objects.get(code=options["system"])
        except SourceSystem.DoesNotExist as exc:
            known = ", ".join(SourceSystem.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"unknown system {options['system']!r} (known: {known}); "
                               "register it with create_system") from exc
        try:
            file_plan = plan(entity, Path(options["file"]), fmt=options["format"],
                             mapping=parse_mapping(options["map"]), encoding=options["encoding"],
                             delimiter=options["delimiter"], null_values=parse_null_values(options["null_values"]),
                             ignore=parse_ignored(options["ignore"]), sheet=options["sheet"])
        except FileRejected as exc:
            raise CommandError(f"{exc}. Nothing was ingested.") from exc
        for note in file_plan.notes:
            self.stdout.write(f"{file_plan.path.name}: {note}")

        started = time.perf_counter()
        started_at = timezone.now()
        progress = sys.stderr.isatty() and options["verbosity"] > 0
        try:
            result = load_records(
                system=system, entity=entity, records=read_records(file_plan), reason=f"file {file_plan.path.name}",
                batch_size=options["batch_size"], workers=options["workers"],
                distribute=options["distribute"], shards=options["shards"], timeout=options["timeout"],
                progress=(lambda done: self._progress(done, file_plan.rows, started)) if progress else None,
            )
        except CannotDistribute as exc:
            raise CommandError(f"{exc}. Nothing was ingested.") from exc
        except LoadFailed as exc:
            raise CommandError("the load stopped on an unexpected error; records ingested before it are kept:\n"
                               f"{exc}") from exc
        if progress:
            sys.stderr.write("\n")
        counts, done = result.outcomes, result.read
        seconds = time.perf_counter() - started
        rate = done / seconds if seconds else 0.0
        summary = (
            f"read {done}, created {counts[Outcome.CREATED]}, linked {counts[Outcome.LINKED]}, "
            f"updated {counts[Outcome.UPDATED]}, unchanged {counts[Outcome.UNCHANGED]}, "
            f"pending review {counts[Outcome.PENDING_REVIEW]}, quarantined {counts[Outcome.QUARANTINED]}, "
            f"retired {counts[Outcome.RETIRED]}, {seconds:.1f} s, {rate:.0f} records/s {result.where}"
        )
        self.stdout.write(summary)
        if counts[Outcome.QUARANTINED]:
            reasons = quarantine_reasons(system_id=system.pk, entity=entity, since=started_at)
            shown = ", ".join(f"{reason} {count}" for reason, count in reasons[:8])
            more = f", and {len(reasons) - 8} more" if len(reasons) > 8 else ""
            self.stdout.write(f"quarantine reasons: {shown}{more} (fix or discard them in the stewardship UI)")
        if options["train"] == "auto":
            self._train_if_untrained(entity)

    def _train_if_untrained(self, entity: str) -> None:
        if entity not in MATCHED_ENTITIES or MatchModelVersion.objects.filter(entity=entity).exists():
            return
        linked = SourceRecord.objects.filter(entity=entity, status=SourceStatus.LINKED)
        # Pairs across systems are where duplicates live: EM learns little from one system alone.
        if linked.count() < AUTO_TRAIN_MIN_RECORDS or linked.values("system").distinct().count() < 2:
            return
        version = train_model(entity=entity)
        outcome = "; later loads use it" if version.active else f" and set it aside: {version.notes}"
        self.stdout.write(f"trained the {entity} match model from {version.trained_on} loaded records "
                          f"(v{version.version}){outcome}")

    @staticmethod
    def _progress(done: int, total: int, started: float) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(time.perf_counter() - started, 1e-9)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:.0f}/s")
        sys.stderr.flush()

