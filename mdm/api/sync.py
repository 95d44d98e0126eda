"""/api/v1/targets/: sync targets, their health, and replay (stewards act, auditors read)."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from mdm.api.errors import ProblemError
from mdm.api.permissions import is_auditor, is_steward
from mdm.audit import change_context
from mdm.models import Entity
from sync import services
from sync.models import Delivery, FileFormat, Target, Transport


class StewardsActAuditorsRead(BasePermission):
    message = "Sync targets are for data stewards (auditors may read them)."

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        if request.method in SAFE_METHODS:
            return is_steward(request.user) or is_auditor(request.user)
        return is_steward(request.user)


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["id", "name", "transport", "url", "folder", "file_format", "entities", "event_types", "active",
                  "source_system", "send_own_keys", "consecutive_failures", "circuit_open_until",
                  "last_success_at", "created_at"]
        read_only_fields = fields


class TargetCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    transport = serializers.ChoiceField(choices=Transport.choices, default=Transport.WEBHOOK)
    folder = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    file_format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.JSONL)
    entities = serializers.ListField(child=serializers.ChoiceField(choices=Entity.choices), min_length=1)
    event_types = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)
    source_system = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    send_own_keys = serializers.BooleanField(default=False)
    secret = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class ReplaySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    delivery = serializers.IntegerField(required=False, help_text="replay this one delivery")
    dead_letters = serializers.BooleanField(required=False, default=False, help_text="replay every dead letter")
    since = serializers.DateTimeField(required=False, help_text="queue every event since then (rebuild)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        chosen = [k for k in ("delivery", "since") if attrs.get(k) is not None] + (
            ["dead_letters"] if attrs.get("dead_letters") else [])
        if len(chosen) != 1:
            raise serializers.ValidationError("give exactly one of delivery, dead_letters or since")
        return attrs


class ReplayResultSerializer(serializers.Serializer):
    target = serializers.CharField()
    queued = serializers.IntegerField(help_text="deliveries queued again")


class ActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000)


@extend_schema_view(
    list=extend_schema(summary="List sync targets", description="Stewards and auditors: every consuming "
                       "system the hub pushes to, with its health (failures, circuit, last success)."),
    retrieve=extend_schema(summary="One sync target", description="Stewards and auditors."),
)
class TargetViewSet(ReadOnlyModelViewSet):
    queryset = Target.objects.order_by("name")
    serializer_class = TargetSerializer
    permission_classes = [StewardsActAuditorsRead]

    @extend_schema(
        request=TargetCreateSerializer,
        responses={201: TargetSerializer},
        summary="Create a sync target",
        description="Steward only. The signing secret (Standard Webhooks, `whsec_...`) is in the response "
                    "once, as `secret`, and never shown again. Private and loopback URLs are refused unless "
                    "SYNC_ALLOW_PRIVATE_TARGETS is set.",
        examples=[OpenApiExample("WMS webhook", request_only=True, value={
            "name": "WMS", "url": "https://wms.example.com/hooks/rosetta", "entities": ["product", "location"],
            "source_system": "WMS", "send_own_keys": True})],
    )
    def create(self, request: Request) -> Response:
        body = TargetCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["secret"] = data["secret"] or None
        try:
            with change_context(user=request.user, reason=f"create target {data['name']}"):
                target, secret = services.create_target(**data)
        except ValidationError as exc:
            raise ProblemError(status=400, code="invalid_target", detail=exc.messages) from exc
        return Response({**TargetSerializer(target).data, "secret": secret}, status=201)

    @extend_schema(
        request=ReplaySerializer, responses={200: ReplayResultSerializer}, summary="Replay deliveries",
        description="Steward only. Send again one delivery (`delivery`), every dead letter of the target "
                    "(`dead_letters: true`), or queue every event since a time to rebuild a consumer (`since`).",
        examples=[OpenApiExample("Dead letters", request_only=True,
                                 value={"dead_letters": True, "reason": "WMS is back"})],
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        body = ReplaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with change_context(user=request.user, reason=data["reason"]):
            if data.get("delivery") is not None:
                delivery = Delivery.objects.filter(pk=data["delivery"], target=target).first()
                if delivery is None:
                    raise ProblemError(status=404, code="not_found",
                                       detail=f"Delivery {data['delivery']} is not one of {target.name}'s.")
                services.replay_delivery(delivery=delivery)
                queued = 1
            elif data.get("dead_letters"):
                queued = services.replay_dead_letters(target=target)
            else:
                queued = services.replay_since(target=target, since=data["since"])
        return Response({"target": target.name, "queued": queued})

    @extend_schema(request=ActiveSerializer, responses={200: TargetSerializer}, summary="Pause or resume",
                   description="Steward only. A paused target keeps its queue; resuming sends it.")
    @action(detail=True, methods=["post"])
    def active(self, request: Request, pk: str) -> Response:
        target = self.get_object()
        body = ActiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with change_context(user=request.user, reason=body.validated_data["reason"]):
            target = services.set_target_active(target=target, active=body.validated_data["active"])
        return Response(TargetSerializer(target).data)
