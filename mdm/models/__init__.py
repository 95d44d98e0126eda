"""Models of the hub's core: golden records, the source side and the crosswalk."""
from .base import GoldenIdCounter, GoldenRecord, GoldenStatus, HistoryContext
from .golden import Dimension, Location, LocationType, Product, ProductSupplier, Supplier, UnitOfMeasure
from .ingest import IdempotencyKey
from .matching import BlockingKey, MatchModelVersion
from .merges import GoldenMerge
from .source import Entity, IntegrationToken, SourceRecord, SourceStatus, SourceSystem, SystemKind

GOLDEN_MODELS: dict[str, type[GoldenRecord]] = {
    model.ENTITY: model for model in (Supplier, Product, Location, UnitOfMeasure)
}

__all__ = [
    "BlockingKey",
    "MatchModelVersion",
    "GOLDEN_MODELS",
    "Dimension",
    "Entity",
    "GoldenIdCounter",
    "GoldenMerge",
    "GoldenRecord",
    "GoldenStatus",
    "HistoryContext",
    "IdempotencyKey",
    "IntegrationToken",
    "Location",
    "LocationType",
    "Product",
    "ProductSupplier",
    "SourceRecord",
    "SourceStatus",
    "SourceSystem",
    "Supplier",
    "SystemKind",
    "UnitOfMeasure",
]
