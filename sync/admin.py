"""Admin for targets (secret shown once), deliveries with their attempts, and the read-only event log."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import Delivery, DeliveryAttempt, Event, Target
from .signing import generate_secret


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("name", "transport", "url", "active", "entities", "consecutive_failures", "last_success_at")
    list_filter = ("active", "transport")
    search_fields = ("name", "url", "source_system")
    readonly_fields = ("secret_hint", "consecutive_failures", "circuit_open_until", "last_success_at", "created_at")
    actions = ("pause", "resume", "replay_dead_letters")

    def save_model(self, request: HttpRequest, obj: Target, form, change: bool) -> None:
        if not change:
            obj.secret = generate_secret()
            messages.warning(
                request,
                f"Signing secret of {obj.name}: {obj.secret} — copy it now, it is not shown again.",
            )
        super().save_model(request, obj, form, change)

    @admin.action(description="Pause (keep queueing, stop sending)")
    def pause(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        for target in queryset:
            services.set_target_active(target=target, active=False)

    @admin.action(description="Resume sending")
    def resume(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        for target in queryset:
            services.set_target_active(target=target, active=True)

    @admin.action(description="Replay dead letters")
    def replay_dead_letters(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        count = sum(services.replay_dead_letters(target=target) for target in queryset)
        self.message_user(request, f"{count} dead letters queued again.")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "success", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "target", "golden_id", "golden_version", "state", "attempts", "next_attempt_at",
                    "acknowledged_at")
    list_filter = ("state", "target", "entity")
    search_fields = ("golden_id", "event__event_id", "last_error")
    list_select_related = ("target",)
    inlines = (AttemptInline,)
    actions = ("replay",)

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in Delivery._meta.fields]

    @admin.action(description="Replay selected deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        if not request.user.has_perm("sync.change_delivery"):
            self.message_user(request, "Replaying needs the permission to change deliveries.", messages.ERROR)
            return
        for delivery in queryset:
            services.replay_delivery(delivery=delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "event_id", "event_type", "entity", "golden_id", "golden_version", "occurred_at")
    list_filter = ("event_type", "entity")
    search_fields = ("golden_id", "event_id", "request_id")
    readonly_fields = [field.name for field in Event._meta.fields]
