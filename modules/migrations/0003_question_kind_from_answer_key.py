"""Questions written before question types existed had no `kind`; one with more than one
correct choice was multiple-answer. Record that, in pages and in their revisions, so that
existing modules keep grading as they did."""

import json

from django.db import migrations


def _mark(stream) -> bool:
    changed = False
    for block in stream or []:
        if block.get("type") != "question":
            continue
        value = block.get("value") or {}
        if "kind" in value:
            continue
        choices = [c.get("value", c) for c in value.get("choices") or []]
        value["kind"] = "multiple" if sum(1 for c in choices if c.get("correct")) > 1 else "single"
        changed = True
    return changed


def forwards(apps, schema_editor):
    TrainingModulePage = apps.get_model("modules", "TrainingModulePage")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for page in TrainingModulePage.objects.all():
        stream = page.quiz.raw_data if hasattr(page.quiz, "raw_data") else page.quiz
        stream = list(stream) if stream is not None else []
        if _mark(stream):
            TrainingModulePage.objects.filter(pk=page.pk).update(quiz=json.dumps(stream))
    content_type = ContentType.objects.filter(app_label="modules", model="trainingmodulepage").first()
    if content_type is None:
        return
    for revision in Revision.objects.filter(content_type=content_type).iterator():
        content = revision.content or {}
        raw = content.get("quiz")
        stream = json.loads(raw) if isinstance(raw, str) else raw
        if _mark(stream):
            content["quiz"] = json.dumps(stream)
            Revision.objects.filter(pk=revision.pk).update(content=content)


class Migration(migrations.Migration):
    dependencies = [
        ("modules", "0002_trainingmodulepage_attempt_wait_minutes_and_more"),
        ("wagtailcore", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
