"""POST /api/v1/ingest/<entity>/: a source system hands the hub a batch of records."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from mdm.api.errors import ProblemError
from mdm.api.permissions import IsIntegration
from mdm.ingest import idempotency
from mdm.ingest.schema import ENTITIES
from mdm.ingest.services import Outcome, ingest_records

ResultSerializer = inline_serializer(
    "IngestResult",
    fields={
        "source_key": serializers.CharField(),
        "outcome": serializers.ChoiceField(choices=Outcome.ALL),
        "golden_id": serializers.CharField(allow_null=True),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)


class IngestView(APIView):
    """Ingest a batch of source records of one entity, as the token's own source system."""

    permission_classes = [IsIntegration]

    @extend_schema(
        operation_id="ingest_records",
        summary="Ingest a batch of source records",
        description=(
            "Body: a JSON array (at most INGEST_MAX_BATCH records, default 1,000) of objects with "
            "`source_key` and canonical fields; `\"deleted\": true` retires a record. The system is "
            "the token's. One result per record, in order; bad records are quarantined and never "
            "block the others. Send `Idempotency-Key` to make a retry safe."
        ),
        parameters=[
            OpenApiParameter("entity", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ENTITIES)),
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={200: inline_serializer("IngestResponse", fields={
            "system": serializers.CharField(), "entity": serializers.CharField(),
            "results": ResultSerializer.__class__(many=True)})},
        examples=[OpenApiExample("Two suppliers", request_only=True, value=[
            {"source_key": "V-1001", "name": "ACME Corp", "country": "US", "phone": "(415) 555-0100"},
            {"source_key": "V-1002", "name": "Globex GmbH", "country": "DE"},
        ])],
    )
    def post(self, request, entity: str):
        if entity not in ENTITIES:
            raise ProblemError(status=404, code="unknown_entity",
                               detail=f"Unknown entity {entity!r}; use one of {', '.join(ENTITIES)}.")
        records = request.data
        if not isinstance(records, list):
            raise ProblemError(status=400, code="body_not_array",
                               detail="The body must be a JSON array of records.")
        limit = settings.ROSETTA["INGEST_MAX_BATCH"]
        if len(records) > limit:
            raise ProblemError(status=413, code="batch_too_large",
                               detail=f"A batch holds at most {limit} records; this one has {len(records)}.")
        system = request.user.system
        key = request.headers.get("Idempotency-Key", "").strip()
        fingerprint = idempotency.request_fingerprint(entity, request.body) if key else ""
        if key:
            if len(key) > 128:
                raise ProblemError(status=400, code="idempotency_key_too_long",
                                   detail="Idempotency-Key is at most 128 characters.")
            try:
                stored = idempotency.lookup(system=system, key=key, fingerprint=fingerprint)
            except idempotency.IdempotencyConflict as exc:
                raise ProblemError(status=422, code="idempotency_key_reused", detail=str(exc)) from exc
            if stored is not None:
                response = Response(stored.body, status=stored.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
        results = ingest_records(system=system, entity=entity, records=records)
        body = {"system": system.code, "entity": entity, "results": [r.as_dict() for r in results]}
        if key:
            idempotency.store(system=system, key=key, entity=entity, fingerprint=fingerprint,
                              status_code=status.HTTP_200_OK, body=body)
        return Response(body, status=status.HTTP_200_OK)
