"""Production: gunicorn behind a reverse proxy, PostgreSQL, static files through whitenoise."""

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", False)
require_secret_key()
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
