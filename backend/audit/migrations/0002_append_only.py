"""Make the audit log append-only at the database level: UPDATE and DELETE raise."""

from django.db import migrations

FORWARD = """
create or replace function audit_entry_append_only() returns trigger as $$
begin
  raise exception 'audit log is append-only (% refused)', tg_op;
end;
$$ language plpgsql;
create trigger audit_entry_no_update before update or delete on audit_auditentry
  for each row execute function audit_entry_append_only();
"""
BACKWARD = """
drop trigger if exists audit_entry_no_update on audit_auditentry;
drop function if exists audit_entry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
