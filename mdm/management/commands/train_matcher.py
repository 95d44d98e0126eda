"""python manage.py train_matcher ENTITY [--sample N] [--show]: re-estimate the match model."""
from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from mdm.ingest.services import Outcome, rematch_pending_reviews
from mdm.matching.model import MatchModel
from mdm.models import MatchModelVersion
from mdm.services.matching import MATCHED_ENTITIES, train_model


class Command(BaseCommand):
    help = "Estimate the match model of an entity from its loaded records (EM) and store a new version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=MATCHED_ENTITIES)
        parser.add_argument("--sample", type=int, default=200_000, help="records to learn from (random sample)")
        parser.add_argument("--show", action="store_true", help="show the stored versions, train nothing")
        parser.add_argument("--rematch", action="store_true",
                            help="then match again, with the new model, the records waiting in review that no "
                                 "steward has touched (their open tasks become obsolete; deferred ones stay)")

    def handle(self, *args, **options) -> None:
        entity = options["entity"]
        if options["show"]:
            versions = MatchModelVersion.objects.filter(entity=entity)
            if not versions:
                self.stdout.write(f"{entity}: no trained model; the defaults are used")
            for version in versions:
                self.stdout.write(f"v{version.version} {'active' if version.active else 'inactive'} "
                                  f"{version.created_at:%Y-%m-%d %H:%M} trained on {version.trained_on} records; "
                                  f"thresholds {version.thresholds}" + (f"; {version.notes}" if version.notes else ""))
            latest = versions.first()
            if latest:
                self._describe(MatchModel.from_params(latest.params))
            return
        try:
            version = train_model(entity=entity, sample=options["sample"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{entity}: stored model v{version.version} trained on {version.trained_on} records")
        if not version.active:
            self.stdout.write(self.style.WARNING(f"not used: {version.notes}"))
        self._describe(MatchModel.from_params(version.params))
        if options["rematch"] and version.active:
            self.stdout.write(rematch_summary(entity, f"match model v{version.version} trained"))
        elif options["rematch"]:
            self.stdout.write("nothing matched again: the new model is not used")

    def _describe(self, model: MatchModel) -> None:
        self.stdout.write(f"prior {model.prior:.4f}")
        for comparison in model.config.comparisons:
            m = ", ".join(f"{x:.3f}" for x in model.m[comparison.name])
            u = ", ".join(f"{x:.4f}" for x in model.u[comparison.name])
            self.stdout.write(f"  {comparison.name:<14} levels {list(comparison.levels)}\n"
                              f"  {'':<14} m [{m}]  u [{u}]")


def rematch_summary(entity: str, reason: str) -> str:
    """Match the records waiting in review again (with the model just trained) and say what came of it."""
    counts = Counter(r.outcome for r in rematch_pending_reviews(entity=entity, reason=reason))
    if not counts:
        return "no records waited in review"
    return (f"matched again {sum(counts.values())} records that waited in review: "
            f"linked {counts[Outcome.LINKED]}, kept their own golden record {counts[Outcome.UNCHANGED]}, "
            f"still pending review {counts[Outcome.PENDING_REVIEW]}")
