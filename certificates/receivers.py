"""Listens to training's signals; training never imports certificates."""

from django.db import transaction

from . import services
from .tasks import render_certificate_pdf_task


def issue_certificate_on_completion(sender, completion, actor=None, **kwargs):
    certificate = services.certificate_issue(completion=completion, actor=actor)
    transaction.on_commit(lambda: render_certificate_pdf_task.enqueue(certificate.pk))
