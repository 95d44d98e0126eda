"""REST endpoint of unit conversion: GET /api/v1/uom/convert/?qty=3&from=CS&to=EA&product=...&system=WMS.

`from` and `to` are read in the vocabulary of `system` when given (WMS "PCS" means EA); without
it, hub codes are expected. `product` is a golden id (PRD-000123) or, with `system`, that
system's own product key. The answer carries the exact value and the value rounded once by the
target unit's rounding setting, plus the path of units the conversion went through.
"""
from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mdm.api.errors import ProblemError

from . import services
from .conversions import ConversionError, NoConversionPath, format_fraction


class ConvertQuerySerializer(serializers.Serializer):
    qty = serializers.CharField(max_length=64)
    # `from` is a Python keyword, so the query names are mapped in `to_internal_value`
    from_unit = serializers.CharField(max_length=32)
    to_unit = serializers.CharField(max_length=32)
    product = serializers.CharField(max_length=128, required=False, allow_blank=True)
    system = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def to_internal_value(self, data):  # type: ignore[override]
        renamed = {
            "qty": data.get("qty"), "from_unit": data.get("from"), "to_unit": data.get("to"),
            "product": data.get("product", ""), "system": data.get("system", ""),
        }
        try:
            return super().to_internal_value({k: v for k, v in renamed.items() if v is not None})
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, dict):
                names = {"from_unit": "from", "to_unit": "to"}
                exc.detail = {names.get(k, k): v for k, v in detail.items()}
            raise


CONVERT_RESPONSE = inline_serializer(
    name="UnitConversionResult",
    fields={
        "quantity": serializers.CharField(),
        "from": serializers.CharField(help_text="Hub unit code"),
        "to": serializers.CharField(help_text="Hub unit code"),
        "result": serializers.CharField(help_text="Rounded once by the target unit's setting"),
        "exact": serializers.CharField(help_text="Exact value: a decimal, or p/q when it has no finite one"),
        "factor": serializers.CharField(),
        "path": serializers.ListField(child=serializers.CharField()),
        "product": serializers.CharField(allow_null=True),
        "system": serializers.CharField(allow_null=True),
        "requested": serializers.DictField(help_text="The codes as the caller sent them"),
    },
)


STR = OpenApiTypes.STR


class ConvertView(APIView):
    @extend_schema(
        operation_id="uom_convert",
        parameters=[
            OpenApiParameter("qty", STR, required=True, description="Decimal quantity, e.g. 3 or 2.5"),
            OpenApiParameter("from", STR, required=True, description="Unit code to convert from"),
            OpenApiParameter("to", STR, required=True, description="Unit code to convert to"),
            OpenApiParameter("product", STR, description="Golden id (or the system's product key)"),
            OpenApiParameter("system", STR, description="Source system whose unit codes are used"),
        ],
        responses={200: CONVERT_RESPONSE},
    )
    def get(self, request: Request) -> Response:
        query = ConvertQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        system = params.get("system") or None
        try:
            outcome = services.convert(
                params["qty"], params["from_unit"], params["to_unit"],
                product=params.get("product") or None, system=system,
            )
        except services.UnknownUnit as exc:
            raise ProblemError(status=400, code="unknown_unit", detail=str(exc)) from exc
        except services.UnknownProduct as exc:
            raise ProblemError(status=400, code="unknown_product", detail=str(exc)) from exc
        except NoConversionPath as exc:
            raise ProblemError(status=400, code="no_conversion_path", detail=str(exc)) from exc
        except ConversionError as exc:
            raise ProblemError(status=400, code="conversion_error", detail=str(exc)) from exc
        return Response({
            "quantity": params["qty"].strip(),
            "from": outcome.from_unit,
            "to": outcome.to_unit,
            "result": outcome.result_text,
            "exact": outcome.exact_text,
            "factor": format_fraction(outcome.factor),
            "path": list(outcome.path),
            "product": outcome.product,
            "system": system,
            "requested": {"from": params["from_unit"], "to": params["to_unit"]},
        })


urlpatterns = [
    path("convert/", ConvertView.as_view(), name="uom-convert"),
]
