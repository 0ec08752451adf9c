"""Certificate downloads (owner and their managers) and public verification."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from training import access

from . import rendering, selectors, services, throttle
from .models import Certificate, normalise_code


@login_required
def my_certificates(request):
    certificates = Certificate.objects.filter(user=request.user).order_by("-completed_on")
    return render(request, "certificates/my_certificates.html", {"certificates": certificates})


@login_required
def certificate_pdf(request, pk: int):
    certificate = get_object_or_404(Certificate, pk=pk)
    if not access.can_view_learner_records(request.user, certificate.user_id):
        raise Http404(_("No such certificate."))
    if not certificate.pdf:
        # The background task normally renders it; render now if it has not run yet.
        try:
            certificate = services.certificate_render_pdf(certificate_id=certificate.pk)
        except (rendering.RenderTimeout, rendering.RenderTooLarge):
            response = render(
                request,
                "certificates/certificate_unavailable.html",
                {"certificate": certificate},
                status=503,
            )
            response["Retry-After"] = "120"
            return response
    filename = f"certificate-{certificate.code[:8].lower()}.pdf"
    return FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=filename,
    )


def _throttled(request, decision: throttle.Decision):
    """429 with a page that says when to come back; nothing was looked up."""
    response = render(
        request,
        "certificates/verify_throttled.html",
        {"retry_minutes": -(-decision.retry_after // 60)},
        status=429,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


@never_cache
def verify_form(request):
    code = normalise_code(request.GET.get("code", ""))
    if code:
        # A typed-in code spends a point like a lookup (the page it redirects to spends its
        # own), so a client over budget is told here and the form is no way around the limit.
        decision = throttle.verification_spend(request, cost=throttle.VERIFY_HIT_COST)
        if not decision.allowed:
            return _throttled(request, decision)
        return redirect("verify:detail", code=code)
    return render(request, "certificates/verify_form.html")


@never_cache
def verify_detail(request, code: str):
    decision = throttle.verification_spend(request, cost=throttle.VERIFY_HIT_COST)
    if not decision.allowed:
        return _throttled(request, decision)
    certificate = selectors.certificate_for_code(code)
    if certificate is None:
        # Misses cost more than hits: spend the rest of a miss's points, even past the limit.
        throttle.verification_spend(
            request, cost=throttle.VERIFY_MISS_COST - throttle.VERIFY_HIT_COST, always=True
        )
        return render(request, "certificates/verify_unknown.html", {"code": code[:64]}, status=404)
    return render(request, "certificates/verify_detail.html", {"certificate": certificate})
