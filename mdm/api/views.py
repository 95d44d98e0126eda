"""Views of the integration API. Thin: reads come from mdm.api.selectors, writes from the services.

One base (`HubViewMixin`) gives every view ETag / If-None-Match, a request body cap and
`?fields=`; `GoldenRecordViewSet` is the base of the four golden record endpoints, which
declare only their queryset, serializer and filterset.

A merged golden id answers `200` with its survivor's body: `golden_id` is the survivor's,
`requested_id` the id asked for, and `Content-Location` the survivor's URL. A redirect was not
chosen because many ERP HTTP clients do not follow redirects on authenticated calls.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from mdm.api import filtersets, selectors
from mdm.api import serializers as s
from mdm.api.errors import PROBLEM_CONTENT_TYPE, ProblemError
from mdm.api.permissions import CanRead, IsSteward, ReadOnlyForAuditors
from mdm.models import GOLDEN_MODELS, GoldenStatus, SourceStatus, SourceSystem
from mdm.selectors import crosswalk_keys

TRANSLATE_MAX_KEYS = 10_000
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


# --- schema helpers -------------------------------------------------------------------------
def problems(*statuses: int) -> dict:
    """Error responses of an operation, documented as application/problem+json."""
    return {(code, PROBLEM_CONTENT_TYPE): OpenApiResponse(s.ProblemSerializer, description=desc)
            for code, desc in PROBLEM_DESCRIPTIONS.items() if code in statuses}


PROBLEM_DESCRIPTIONS = {
    400: "Invalid request (bad filter, unknown field, malformed body)",
    401: "No valid credentials (missing, unknown or revoked token)",
    403: "Authenticated, but this role or system may not do this",
    404: "Not found, or not visible to this caller",
    413: "Body or key list too large",
    422: "The service refused the action (e.g. merging a merged record)",
    429: "Rate limit of this token reached; see Retry-After",
}
READ_PROBLEMS = problems(400, 401, 403, 404, 429)
WRITE_PROBLEMS = problems(400, 401, 403, 404, 413, 422, 429)

AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATETIME, description="Read the state at this time, from history "
    "(RFC 3339, e.g. 2026-11-01T00:00:00Z)", required=False)
FIELDS = OpenApiParameter(
    "fields", OpenApiTypes.STR, description="Comma-separated fields to return, e.g. `golden_id,name,keys`")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="An ETag from an earlier response: 304 Not Modified when nothing changed")
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified since the ETag in If-None-Match")}


def parse_as_of(request: Request) -> datetime | None:
    raw = request.query_params.get("as_of")
    if raw is None:
        return None
    try:
        value = parse_datetime(raw.strip())
        if value is not None:
            # PostgreSQL refuses far-off UTC offsets; the instant is the same in UTC.
            value = value.replace(tzinfo=UTC) if timezone.is_naive(value) else value.astimezone(UTC)
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise ProblemError(status=400, code="invalid_as_of",
                           detail="as_of must be an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z.")
    return value


# --- the base of every view -----------------------------------------------------------------
class HubPagination(CursorPagination):
    """Cursor pagination: stable under concurrent inserts, no COUNT(*) over big tables."""

    ordering = "golden_id"
    page_size = 100
    page_size_query_param = "limit"

    def get_page_size(self, request: Request) -> int:  # type: ignore[override]
        self.max_page_size = settings.ROSETTA.get("API_MAX_PAGE_SIZE", 1000)
        return super().get_page_size(request)  # type: ignore[return-value]


class SourceRecordPagination(HubPagination):
    ordering = "id"


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


class HubViewMixin:
    """ETag / If-None-Match on reads, a request body cap, and `?fields=` validation."""

    request: Request

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # PostgreSQL text cannot hold NUL; refuse it up front instead of failing in the query.
        values = [*kwargs.values(), *(v for _name, vs in request.query_params.lists() for v in vs)]
        if any("\x00" in str(value) for value in values):
            raise ProblemError(status=400, code="invalid_character", detail="NUL characters are not allowed.")
        limit = settings.ROSETTA.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise ProblemError(status=413, code="body_too_large",
                               detail=f"The request body is {length} bytes; the limit is {limit}.")

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (request.method in ("GET", "HEAD") and response.status_code == 200
                and isinstance(response, Response) and response.data is not None):
            # The ETag is the hash of the body as sent: rendering once serves both.
            etag = _etag(response.render().content)
            if _etag_matches(request.headers.get("If-None-Match", ""), etag):
                response = super().finalize_response(  # type: ignore[misc]
                    request, Response(status=http.HTTP_304_NOT_MODIFIED), *args, **kwargs)
            response["ETag"] = etag
        return response

    def requested_fields(self, serializer_class: type) -> list[str] | None:
        raw = self.request.query_params.get("fields")
        if raw is None:
            return None
        wanted = [name.strip() for name in raw.split(",") if name.strip()]
        known = set(serializer_class(context={}).fields)
        unknown = sorted(set(wanted) - known)
        if unknown or not wanted:
            raise ProblemError(status=400, code="unknown_field",
                               detail=f"Unknown field(s) {', '.join(unknown) or '(none given)'}; "
                                      f"choose among {', '.join(sorted(known))}.")
        return wanted


def _reason_error(exc: ValueError) -> ProblemError:
    return ProblemError(status=422, code="action_rejected", detail=str(exc))


# --- golden records -------------------------------------------------------------------------
class GoldenRecordViewSet(HubViewMixin, ReadOnlyModelViewSet):
    """List and read golden records; stewards act on them (merge, unmerge, pin, unpin)."""

    lookup_field = "golden_id"
    lookup_value_regex = "[^/]+"
    pagination_class = HubPagination
    permission_classes = [ReadOnlyForAuditors]
    filter_backends = [DjangoFilterBackend, SearchFilter]
    search_fields = ("golden_id", "name")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.extra_context: dict[str, Any] = {}
        super().initial(request, *args, **kwargs)

    @property
    def entity(self) -> str:
        return self.queryset.model.ENTITY  # type: ignore[union-attr]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context.update(getattr(self, "extra_context", {}))
        return context

    def get_serializer(self, *args: Any, **kwargs: Any):
        if args and self.action in ("list", "retrieve"):
            fields = self.requested_fields(self.get_serializer_class())
            self.extra_context["fields"] = fields
            if fields is None or "keys" in fields:
                records = args[0] if kwargs.get("many") else [args[0]]
                ids = [record.golden_id for record in records]
                as_of = self.extra_context.get("as_of")
                self.extra_context["keys"] = (
                    selectors.crosswalk_keys_as_of(entity=self.entity, golden_ids=ids, as_of=as_of) if as_of
                    else crosswalk_keys(entity=self.entity, golden_ids=ids))
        return super().get_serializer(*args, **kwargs)

    def retrieve(self, request: Request, golden_id: str) -> Response:
        as_of = parse_as_of(request)
        if as_of is not None:
            golden, _row = selectors.golden_as_of(entity=self.entity, golden_id=golden_id, as_of=as_of)
        else:
            golden = self._resolve(golden_id)
        if golden is None:
            when = f" at {as_of.isoformat()}" if as_of else ""
            raise ProblemError(status=404, code="not_found", detail=f"No {self.entity} {golden_id!r}{when}.")
        self.extra_context.update(requested_id=golden_id, as_of=as_of)
        response = Response(self.get_serializer(golden).data)
        if golden.golden_id != golden_id:
            response["Content-Location"] = reverse(f"{self.basename}-detail", args=[golden.golden_id],
                                                   request=request)
        return response

    def _resolve(self, golden_id: str):
        queryset = self.get_queryset()
        golden = queryset.filter(golden_id=golden_id).first()
        seen: set[int] = set()
        while golden is not None and golden.status == GoldenStatus.MERGED and golden.merged_into_id:
            if golden.pk in seen:
                break
            seen.add(golden.pk)
            golden = queryset.filter(pk=golden.merged_into_id).first()
        return golden

    def _exact(self, golden_id: str):
        golden = self.queryset.model.objects.filter(golden_id=golden_id).first()  # type: ignore[union-attr]
        if golden is None:
            raise ProblemError(status=404, code="not_found", detail=f"No {self.entity} {golden_id!r}.")
        return golden

    def _action_response(self, golden: Any) -> Response:
        golden = self.get_queryset().get(pk=golden.pk)
        self.extra_context["keys"] = crosswalk_keys(entity=self.entity, golden_ids=[golden.golden_id])
        return Response(self.get_serializer(golden).data)

    @extend_schema(request=s.MergeSerializer, responses=WRITE_PROBLEMS, summary="Merge",
                   description="Steward only. Merge golden record `victim` into this one (the survivor). "
                               "The victim keeps its id with status `merged`; its source records move here.",
                   examples=[OpenApiExample("Merge a duplicate", request_only=True,
                                            value={"victim": "SUP-000002", "reason": "same DUNS"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def merge(self, request: Request, golden_id: str) -> Response:
        from mdm.services.golden import golden_merge

        body = s.MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        survivor = self._exact(golden_id)
        victim = self._exact(body.validated_data["victim"])
        try:
            survivor = golden_merge(survivor=survivor, victim=victim, user=request.user,
                                    reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return self._action_response(survivor)

    @extend_schema(request=s.UnmergeSerializer, responses=WRITE_PROBLEMS, summary="Unmerge",
                   description="Steward only. Take one source record out of this golden record; the answer "
                               "is the golden record the source record now belongs to.",
                   examples=[OpenApiExample("Split a wrong match", request_only=True,
                                            value={"source_record": 42, "reason": "different tax ids"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def unmerge(self, request: Request, golden_id: str) -> Response:
        from mdm.models import SourceRecord
        from mdm.services.golden import golden_unmerge

        body = s.UnmergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        golden = self._exact(golden_id)
        record = SourceRecord.objects.filter(pk=body.validated_data["source_record"], entity=self.entity).first()
        if record is None:
            raise ProblemError(status=404, code="not_found", detail="No such source record of this entity.")
        try:
            result = golden_unmerge(golden=golden, source_record=record, user=request.user,
                                    reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return self._action_response(result)

    @extend_schema(request=s.PinSerializer, responses=WRITE_PROBLEMS, summary="Pin values",
                   description="Steward only. Pinned values survive every recomputation until unpinned.",
                   examples=[OpenApiExample("Pin a name", request_only=True,
                                            value={"values": {"name": "ACME Corporation"}, "reason": "legal name"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def pin(self, request: Request, golden_id: str) -> Response:
        from mdm.services.golden import golden_pin

        body = s.PinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            golden = golden_pin(golden=self._exact(golden_id), values=body.validated_data["values"],
                                user=request.user, reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return self._action_response(golden)

    @extend_schema(request=s.UnpinSerializer, responses=WRITE_PROBLEMS, summary="Unpin values",
                   description="Steward only. Survivorship decides these attributes again.",
                   examples=[OpenApiExample("Unpin a name", request_only=True,
                                            value={"attributes": ["name"], "reason": "ERP fixed it"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def unpin(self, request: Request, golden_id: str) -> Response:
        from mdm.services.golden import golden_unpin

        body = s.UnpinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            golden = golden_unpin(golden=self._exact(golden_id), attributes=body.validated_data["attributes"],
                                  user=request.user, reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return self._action_response(golden)


def document_golden(label: str, serializer: type, example: dict[str, Any]):
    """Schema text of one golden record endpoint (list, detail and the steward actions)."""
    plural = f"{label}s" if not label.endswith("measure") else "units of measure"
    response_examples = [OpenApiExample(f"A {label}", value=example, response_only=True)]
    detail = extend_schema(
        summary=f"Read a {label}",
        description=(f"One golden {label} with every system's keys. A merged id answers 200 with its "
                     "survivor: `golden_id` is the survivor's, `requested_id` the id asked for, and the "
                     "`Content-Location` header the survivor's URL. `as_of` reads the state at that time "
                     "from history (following merges made by then)."),
        parameters=[AS_OF, FIELDS, IF_NONE_MATCH], examples=response_examples,
        responses={200: serializer, **NOT_MODIFIED, **READ_PROBLEMS})
    listing = extend_schema(
        summary=f"List {plural}",
        description=(f"Golden {plural} ordered by golden id, cursor-paginated (`limit` at most "
                     "API_MAX_PAGE_SIZE, default 1,000; follow `next`). Filter with the query parameters, "
                     "search `name` and `golden_id` with `search`."),
        parameters=[FIELDS, IF_NONE_MATCH], examples=response_examples,
        responses={200: serializer, **NOT_MODIFIED, **READ_PROBLEMS})
    acted = extend_schema(responses={200: serializer, **WRITE_PROBLEMS})
    return extend_schema_view(list=listing, retrieve=detail, merge=acted, unmerge=acted, pin=acted, unpin=acted)


SUPPLIER_EXAMPLE = {
    "golden_id": "SUP-000042", "requested_id": "SUP-000042", "status": "active", "merged_into": None,
    "version": 3, "name": "ACME Corp", "tax_id": "DE123456789", "duns": "123456789", "address_line1": "",
    "address_line2": "", "city": "Berlin", "region": "", "postal_code": "10115", "country": "DE",
    "phone": "+493012345", "email": "sales@acme.example", "website": "https://acme.example",
    "keys": {"ERP": ["V-1001"], "WMS": ["SUP-77"]}, "lineage": {}, "pins": {},
    "created_at": "2026-10-01T08:00:00Z", "updated_at": "2026-10-02T09:30:00Z", "as_of": None,
}


@document_golden("supplier", s.SupplierSerializer, SUPPLIER_EXAMPLE)
class SupplierViewSet(GoldenRecordViewSet):
    queryset = selectors.golden_queryset(entity="supplier")
    serializer_class = s.SupplierSerializer
    filterset_class = filtersets.SupplierFilterSet


@document_golden("product", s.ProductSerializer, {
    "golden_id": "PRD-000007", "requested_id": "PRD-000007", "status": "active", "merged_into": None, "version": 2,
    "gtin": "04006381333931", "name": "Stabilo Boss yellow", "brand": "Stabilo", "manufacturer": "Schwan-Stabilo",
    "mpn": "70/24", "category": "Office", "base_uom": "EA", "net_weight": "0.020000", "weight_uom": "KGM",
    "suppliers": [{"supplier": "SUP-000042", "supplier_item_number": "A-1", "lead_time_days": 5}],
    "keys": {"ERP": ["4711"]}, "lineage": {}, "pins": {}, "created_at": "2026-10-01T08:00:00Z",
    "updated_at": "2026-10-01T08:00:00Z", "as_of": None,
})
class ProductViewSet(GoldenRecordViewSet):
    queryset = selectors.golden_queryset(entity="product")
    serializer_class = s.ProductSerializer
    filterset_class = filtersets.ProductFilterSet
    search_fields = ("golden_id", "name", "gtin", "mpn")


@document_golden("location", s.LocationSerializer, {
    "golden_id": "LOC-000003", "requested_id": "LOC-000003", "status": "active", "merged_into": None,
    "version": 1, "code": "DC-NORTH", "name": "DC North", "location_type": "distribution_center", "country": "DE",
    "parent": None, "keys": {"WMS": ["DC1"]}, "as_of": None,
})
class LocationViewSet(GoldenRecordViewSet):
    queryset = selectors.golden_queryset(entity="location")
    serializer_class = s.LocationSerializer
    filterset_class = filtersets.LocationFilterSet
    search_fields = ("golden_id", "name", "code")


@document_golden("unit of measure", s.UnitOfMeasureSerializer, {"golden_id": "UOM-000001", "requested_id": "UOM-000001",
                                     "status": "active", "merged_into": None, "version": 1, "code": "EA",
                                     "name": "each", "dimension": "count", "keys": {"WMS": ["PCS"]},
                                     "as_of": None})
class UnitOfMeasureViewSet(GoldenRecordViewSet):
    queryset = selectors.golden_queryset(entity="uom")
    serializer_class = s.UnitOfMeasureSerializer
    filterset_class = filtersets.UnitOfMeasureFilterSet
    search_fields = ("golden_id", "code", "name")


# --- source records and quarantine ----------------------------------------------------------
SOURCE_RECORD_TEXT = ("Source records as received, with their raw payload. An integration token sees only "
                      "its own system's records (other systems' ids answer 404); stewards and auditors see all.")


@extend_schema_view(
    list=extend_schema(summary="List source records", description=SOURCE_RECORD_TEXT,
                       parameters=[FIELDS, IF_NONE_MATCH],
                       responses={200: s.SourceRecordSerializer, **NOT_MODIFIED, **READ_PROBLEMS}),
    retrieve=extend_schema(summary="Read a source record", description=SOURCE_RECORD_TEXT,
                           parameters=[FIELDS, IF_NONE_MATCH],
                           responses={200: s.SourceRecordSerializer, **NOT_MODIFIED, **READ_PROBLEMS}),
)
class SourceRecordViewSet(HubViewMixin, ReadOnlyModelViewSet):
    serializer_class = s.SourceRecordSerializer
    filterset_class = filtersets.SourceRecordFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = SourceRecordPagination
    permission_classes = [ReadOnlyForAuditors]
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.visible_source_records(user=self.request.user)

    def get_object(self):
        if not str(self.kwargs.get("pk", "")).isdigit():
            raise ProblemError(status=404, code="not_found", detail="Source record ids are integers.")
        return super().get_object()

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["fields"] = self.requested_fields(self.serializer_class) if self.request else None
        return context


QUARANTINE_TEXT = ("Quarantined source records with their errors and raw payload. An integration token sees "
                   "only its own system's records; stewards fix, reprocess or discard them, with a reason.")


@extend_schema_view(
    list=extend_schema(summary="List quarantined records", description=QUARANTINE_TEXT,
                       parameters=[FIELDS, IF_NONE_MATCH],
                       responses={200: s.SourceRecordSerializer, **NOT_MODIFIED, **READ_PROBLEMS}),
    retrieve=extend_schema(summary="Read a quarantined record", description=QUARANTINE_TEXT,
                           parameters=[FIELDS, IF_NONE_MATCH],
                           responses={200: s.SourceRecordSerializer, **NOT_MODIFIED, **READ_PROBLEMS}),
)
class QuarantineViewSet(SourceRecordViewSet):
    def get_queryset(self):
        return super().get_queryset().filter(status=SourceStatus.QUARANTINED)

    def _record(self, pk: str):
        if not str(pk).isdigit():
            raise ProblemError(status=404, code="not_found", detail="Source record ids are integers.")
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            raise ProblemError(status=404, code="not_found", detail=f"No quarantined record {pk}.")
        return record

    @extend_schema(request=s.FixSerializer, responses={200: s.ProcessedRecordSerializer, **WRITE_PROBLEMS},
                   summary="Fix and reprocess",
                   description="Steward only. Replace the raw payload and run it through the pipeline again.",
                   examples=[OpenApiExample("Fix a country", request_only=True,
                                            value={"raw": {"name": "Globex", "country": "DE"},
                                                   "reason": "country was a typo"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def fix(self, request: Request, pk: str) -> Response:
        from mdm.ingest.services import fix_quarantined_record

        body = s.FixSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = fix_quarantined_record(record=self._record(pk), raw=body.validated_data["raw"],
                                            user=request.user, reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return Response(result.as_dict())

    @extend_schema(request=s.ReasonSerializer, responses={200: s.ProcessedRecordSerializer, **WRITE_PROBLEMS},
                   summary="Reprocess", description="Steward only. Run the stored raw payload through the "
                                                    "pipeline again (e.g. after a unit mapping was added).",
                   examples=[OpenApiExample("Retry", request_only=True, value={"reason": "unit PCS mapped"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def reprocess(self, request: Request, pk: str) -> Response:
        from mdm.ingest.services import reprocess_source_records

        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = reprocess_source_records(records=[self._record(pk)], reason=body.validated_data["reason"],
                                           user=request.user)
        return Response(results[0].as_dict())

    @extend_schema(request=s.ReasonSerializer, responses={200: s.SourceRecordSerializer, **WRITE_PROBLEMS},
                   summary="Discard", description="Steward only. Drop the record; the reason stays in history.",
                   examples=[OpenApiExample("Test data", request_only=True, value={"reason": "test record"})])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def discard(self, request: Request, pk: str) -> Response:
        from mdm.ingest.services import discard_source_record

        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record = discard_source_record(record=self._record(pk), user=request.user,
                                           reason=body.validated_data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return Response(s.SourceRecordSerializer(record, context={}).data)


# --- crosswalk ------------------------------------------------------------------------------
def _entity_or_404(entity: str) -> str:
    if entity not in GOLDEN_MODELS:
        raise ProblemError(status=404, code="unknown_entity",
                           detail=f"Unknown entity {entity!r}; use one of {', '.join(GOLDEN_MODELS)}.")
    return entity


ENTITY_PARAM = OpenApiParameter("entity", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(GOLDEN_MODELS))


class CrosswalkLookupView(HubViewMixin, APIView):
    permission_classes = [ReadOnlyForAuditors]

    @extend_schema(
        operation_id="crosswalk_lookup",
        summary="Look up one system's key",
        description=("The golden record a system's key belongs to, every system's keys for it, and freshness: "
                     "when each system last sent its record and which targets have acknowledged the current "
                     "version. With `as_of`, everything is read from history as it was then."),
        parameters=[ENTITY_PARAM, OpenApiParameter("system", OpenApiTypes.STR, OpenApiParameter.PATH),
                    OpenApiParameter("source_key", OpenApiTypes.STR, OpenApiParameter.PATH), AS_OF,
                    IF_NONE_MATCH],
        responses={200: s.CrosswalkLookupSerializer, **NOT_MODIFIED, **READ_PROBLEMS},
        examples=[OpenApiExample("A supplier known to two systems", response_only=True, value={
            "entity": "supplier", "system": "WMS", "source_key": "SUP-77", "source_status": "linked",
            "golden_id": "SUP-000042", "status": "active", "version": 3,
            "keys": [{"system": "ERP", "source_key": "V-1001", "status": "linked",
                      "first_seen": "2026-10-01T08:00:00Z", "last_received_at": "2026-10-02T09:30:00Z"},
                     {"system": "WMS", "source_key": "SUP-77", "status": "linked",
                      "first_seen": "2026-10-01T08:05:00Z", "last_received_at": "2026-10-01T08:05:00Z"}],
            "as_of": "2026-10-03T00:00:00Z",
            "freshness": {"systems": {"ERP": "2026-10-02T09:30:00Z", "WMS": "2026-10-01T08:05:00Z"},
                          "targets": [{"target": "erp-outbound", "acknowledged": True,
                                       "acknowledged_at": "2026-10-02T09:30:02Z", "state": "acknowledged"}]},
        })],
    )
    def get(self, request: Request, entity: str, system: str, source_key: str) -> Response:
        _entity_or_404(entity)
        as_of = parse_as_of(request)
        try:
            entry = selectors.crosswalk_lookup(entity=entity, system=system, source_key=source_key, as_of=as_of)
        except selectors.LookupMiss as miss:
            raise ProblemError(status=404, code=miss.code, detail=str(miss)) from miss
        systems: dict[str, Any] = {}
        for key in entry.keys:
            seen = key["last_received_at"]
            if seen and (key["system"] not in systems or seen > systems[key["system"]]):
                systems[key["system"]] = seen
        return Response({
            "entity": entry.entity, "system": entry.system, "source_key": entry.source_key,
            "source_status": entry.source_status, "golden_id": entry.golden_id, "status": entry.golden_status,
            "version": entry.version, "keys": entry.keys, "as_of": as_of or timezone.now(),
            "freshness": {"systems": systems, "targets": selectors.acknowledgements(
                entity=entity, golden_id=entry.golden_id, version=entry.version, as_of=as_of)},
        })


class TranslateView(HubViewMixin, APIView):
    # Translating is a read sent as POST (10,000 keys do not fit a URL): auditors may do it too.
    permission_classes = [CanRead]

    @extend_schema(
        operation_id="crosswalk_translate",
        summary="Translate keys between systems",
        description=(f"Map up to {TRANSLATE_MAX_KEYS:,} keys of system `from` to system `to` through the golden "
                     "records. Keys the `from` system has no linked record for are listed in `unknown`; keys "
                     "whose golden record has no record in `to` in `no_target_key` (and map to an empty list)."),
        parameters=[ENTITY_PARAM],
        request=s.TranslateRequestSerializer,
        responses={200: s.TranslateResponseSerializer, **WRITE_PROBLEMS},
        examples=[
            OpenApiExample("WMS to ERP", request_only=True,
                           value={"from": "WMS", "to": "ERP", "keys": ["SUP-77", "SUP-78", "NOPE"]}),
            OpenApiExample("Answer", response_only=True, value={
                "entity": "supplier", "from": "WMS", "to": "ERP",
                "mapping": {"SUP-77": {"golden_id": "SUP-000042", "keys": ["V-1001"]},
                            "SUP-78": {"golden_id": "SUP-000043", "keys": []}},
                "unknown": ["NOPE"], "no_target_key": ["SUP-78"]}),
        ],
    )
    def post(self, request: Request, entity: str) -> Response:
        _entity_or_404(entity)
        body = request.data
        if not isinstance(body, dict):
            raise ProblemError(status=400, code="invalid_body", detail="The body must be a JSON object.")
        keys = body.get("keys")
        systems = {name: body.get(name) for name in ("from", "to")}
        if not all(isinstance(v, str) and v and "\x00" not in v for v in systems.values()):
            raise ProblemError(status=400, code="invalid_body", detail="`from` and `to` must be system codes.")
        # Checked by hand rather than by a serializer field per key: 10,000 field runs cost more
        # than the two queries of the translation itself.
        if not isinstance(keys, list) or not all(
                isinstance(k, str) and 0 < len(k) <= 128 and "\x00" not in k for k in keys):
            raise ProblemError(status=400, code="invalid_keys",
                               detail="`keys` must be a list of non-empty strings of at most 128 characters.")
        if len(keys) > TRANSLATE_MAX_KEYS:
            raise ProblemError(status=413, code="too_many_keys",
                               detail=f"At most {TRANSLATE_MAX_KEYS:,} keys per call; this one has {len(keys):,}.")
        found = {system.code: system for system in SourceSystem.objects.filter(code__in=systems.values())}
        missing = [code for code in systems.values() if code not in found]
        if missing:
            raise ProblemError(status=404, code="unknown_system", detail=f"Unknown system(s): {', '.join(missing)}.")
        result = selectors.translate_keys(entity=entity, from_system=found[systems["from"]],
                                          to_system=found[systems["to"]], keys=keys)
        return Response({"entity": entity, "from": systems["from"], "to": systems["to"], "mapping": result.mapping,
                         "unknown": result.unknown, "no_target_key": result.no_target_key})


# --- change feed ----------------------------------------------------------------------------
class ChangesView(HubViewMixin, APIView):
    permission_classes = [ReadOnlyForAuditors]

    @extend_schema(
        operation_id="changes",
        summary="Change feed",
        description=("Changes of golden records from the hub's event log, in commit order: created, updated, "
                     "merged, unmerged, retired and crosswalk changes. Start with `since=0`, then pass "
                     "`next_cursor` as `since`: the feed resumes there with no gap and no repeat."),
        parameters=[
            OpenApiParameter("since", OpenApiTypes.INT, description="Cursor: the last `sequence` you processed"),
            OpenApiParameter("entity", OpenApiTypes.STR, enum=list(GOLDEN_MODELS)),
            OpenApiParameter("limit", OpenApiTypes.INT, description="Events per page, 1-1000 (default 100)"),
            IF_NONE_MATCH,
        ],
        responses={200: s.ChangeFeedSerializer, **NOT_MODIFIED, **READ_PROBLEMS},
        examples=[OpenApiExample("A merge", response_only=True, value={
            "events": [{"event_id": "0b7f7b9e-3c59-4cc0-9f59-8a8e4f3b8c1d", "sequence": 1042, "entity": "supplier",
                        "golden_id": "SUP-000002", "golden_version": 2, "event_type": "merged",
                        "payload": {"merged_into": "SUP-000001"}, "source_system": "", "request_id": "9f1c…",
                        "occurred_at": "2026-10-02T09:30:00Z"}],
            "next_cursor": 1042, "has_more": False})],
    )
    def get(self, request: Request) -> Response:
        from sync.selectors import changes_since

        params = request.query_params
        since = _int_param(params.get("since"), "since", default=0, minimum=0)
        limit = _int_param(params.get("limit"), "limit", default=100, minimum=1, maximum=1000)
        entity = params.get("entity") or None
        if entity is not None and entity not in GOLDEN_MODELS:
            raise ProblemError(status=400, code="unknown_entity", detail=f"Unknown entity {entity!r}.")
        events, _ = changes_since(cursor=since, entity=entity, limit=limit + 1)
        page = events[:limit]
        return Response({
            "events": [{"event_id": e.event_id, "sequence": e.sequence, "entity": e.entity, "golden_id": e.golden_id,
                        "golden_version": e.golden_version, "event_type": e.event_type, "payload": e.payload,
                        "source_system": e.source_system, "request_id": e.request_id,
                        "occurred_at": e.occurred_at} for e in page],
            "next_cursor": page[-1].sequence if page else since,
            "has_more": len(events) > limit,
        })


def _int_param(raw: str | None, name: str, *, default: int, minimum: int, maximum: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"{minimum}-{maximum}" if maximum is not None else f">= {minimum}"
        raise ProblemError(status=400, code=f"invalid_{name}", detail=f"`{name}` must be an integer {bounds}.")
    return value


# --- stewardship ----------------------------------------------------------------------------
class NotAMatchView(HubViewMixin, APIView):
    permission_classes = [IsSteward]

    @extend_schema(
        operation_id="not_a_match",
        summary="Record 'not a match'",
        description="Steward only. Two golden records (or `src:<id>` source records) are different things; "
                    "the matcher never proposes or merges them again.",
        request=s.NotAMatchSerializer,
        responses={204: None, **WRITE_PROBLEMS},
        examples=[OpenApiExample("Two Acmes", request_only=True, value={
            "entity": "supplier", "left": "SUP-000001", "right": "SUP-000002", "reason": "different countries"})],
    )
    def post(self, request: Request) -> Response:
        from stewardship.services import not_a_match

        body = s.NotAMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            not_a_match(entity=data["entity"], left=data["left"], right=data["right"], user=request.user,
                        reason=data["reason"])
        except ValueError as exc:
            raise _reason_error(exc) from exc
        return Response(status=http.HTTP_204_NO_CONTENT)

