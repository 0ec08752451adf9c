"""Navigation facts for the site header, computed lazily (no query unless a page uses them)."""

from django.utils.functional import SimpleLazyObject

from . import access


def navigation(request):
    user = request.user
    return {
        "nav_is_staff": SimpleLazyObject(lambda: access.staff_profile(user) is not None),
        "nav_reports": SimpleLazyObject(lambda: access.can_view_reports(user)),
        "nav_admin": SimpleLazyObject(
            lambda: user.is_authenticated and user.has_perm("wagtailadmin.access_admin")
        ),
    }
