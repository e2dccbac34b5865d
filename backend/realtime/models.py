"""The outbox of browser frames. Its id is the global `seq` a client resumes from."""

from django.db import models


class RealtimeEvent(models.Model):
    """One server frame, stored in the transaction of the change it describes.

    `id` is the frame's `seq`. Rows are written under a transaction-level advisory lock
    (see publish.py), so commit order equals seq order and a resume never skips a frame that
    commits later with a smaller seq.
    """

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=48)
    district = models.ForeignKey(
        "cameras.District", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    frame = models.JSONField(help_text="The frame as sent, without seq (added on the way out).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["district", "id"])]

    def __str__(self) -> str:
        return f"#{self.id} {self.type}"

    def as_frame(self) -> dict:
        return {**self.frame, "type": self.type, "v": 1, "seq": self.id}
