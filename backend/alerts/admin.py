"""Django admin: dead letters (read-only) for admins to inspect what the ingest refused."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from backend.accounts.roles import Role
from backend.accounts.selectors import user_has_role
from backend.alerts.models import DeadLetter


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ("id", "received_at", "reason", "short_detail")
    list_filter = ("reason",)
    search_fields = ("detail", "raw")
    date_hierarchy = "received_at"
    fields = ("received_at", "reason", "detail", "pretty_payload", "raw")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="detail")
    def short_detail(self, obj: DeadLetter) -> str:
        return obj.detail[:120]

    @admin.display(description="payload")
    def pretty_payload(self, obj: DeadLetter) -> str:
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2)
        return format_html("<pre>{}</pre>", text)

    # Admins (the admin role, or superusers) read them; the ingest alone writes them: nobody
    # adds, edits or deletes them here.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_has_role(user=request.user, roles={Role.ADMIN})

    def has_view_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        return user_has_role(user=request.user, roles={Role.ADMIN})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        return False
