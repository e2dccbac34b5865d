"""Make alert history append-only at the database level: UPDATE and DELETE raise."""

from django.db import migrations

FORWARD = """
create or replace function alert_history_append_only() returns trigger as $$
begin
  raise exception 'alert history is append-only (% refused)', tg_op;
end;
$$ language plpgsql;
create trigger alert_history_no_update before update or delete on alerts_alerthistory
  for each row execute function alert_history_append_only();
"""
BACKWARD = """
drop trigger if exists alert_history_no_update on alerts_alerthistory;
drop function if exists alert_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
