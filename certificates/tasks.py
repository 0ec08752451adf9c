"""Background work for certificates, through the django-tasks API."""

from django_tasks import task

from . import services


@task()
def render_certificate_pdf_task(certificate_id: int) -> None:
    services.certificate_render_pdf(certificate_id=certificate_id)


@task()
def render_competency_report_task(report_id: int) -> None:
    services.competency_report_render(report_id=report_id)
