"""The audit log is append-only in the database itself."""

import pytest
from django.db import DatabaseError, transaction

from backend.audit.models import AuditEntry
from backend.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_changed_or_deleted():
    entry = audit_record(actor=None, action="camera.updated", object_type="x", object_id="1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "camera.updated"
