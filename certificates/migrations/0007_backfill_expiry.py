"""Certificates issued before expiry dates were frozen on them get the date their completion
stays valid until: the earliest `valid_until` among the requirement cycles it completed. Their
stored PDFs are left as they were (issued documents never change); only the status that
verification and the lists show now knows when they expire."""

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery


def backfill(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    Assignment = apps.get_model("training", "Assignment")
    earliest = (
        Assignment.objects.filter(completion_id=OuterRef("completion_id"), valid_until__isnull=False)
        .order_by()
        .values("completion_id")
        .annotate(first=Min("valid_until"))
        .values("first")[:1]
    )
    rows = list(
        Certificate.objects.filter(expires_on__isnull=True)
        .annotate(expiry=Subquery(earliest))
        .filter(expiry__isnull=False)
        .only("pk")
    )
    for row in rows:
        row.expires_on = row.expiry
    Certificate.objects.bulk_update(rows, ["expires_on"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0006_verification_throttle"),
        ("training", "0006_requirement_engine"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
