"""Certificate downloads (owner and their managers) and public verification."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from training import access

from . import services
from .models import Certificate, normalise_code


@login_required
def my_certificates(request):
    certificates = Certificate.objects.filter(user=request.user).order_by("-completed_on")
    return render(request, "certificates/my_certificates.html", {"certificates": certificates})


@login_required
def certificate_pdf(request, pk: int):
    certificate = get_object_or_404(Certificate, pk=pk)
    if not access.can_view_learner_records(request.user, certificate.user_id):
        raise Http404("No such certificate.")
    if not certificate.pdf:
        # The background task normally renders it; render now if it has not run yet.
        certificate = services.certificate_render_pdf(certificate_id=certificate.pk)
    filename = f"certificate-{certificate.code[:8].lower()}.pdf"
    return FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=filename,
    )


@never_cache
def verify_form(request):
    code = normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("verify:detail", code=code)
    return render(request, "certificates/verify_form.html")


@never_cache
def verify_detail(request, code: str):
    normalised = normalise_code(code)
    certificate = Certificate.objects.filter(code=normalised).first()
    if certificate is None:
        return render(request, "certificates/verify_unknown.html", {"code": code[:64]}, status=404)
    return render(request, "certificates/verify_detail.html", {"certificate": certificate})
