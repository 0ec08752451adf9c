"""Settings shared by every environment.

Everything that differs between machines comes from environment variables; `.env.example`
lists them. Nothing here reads a file outside the project.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "modules",
    "training",
    "certificates",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "training.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Report queries look expensive to the planner (a status CASE over every assignment) and
    # PostgreSQL's JIT then spends longer compiling them than running them (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins, so two requests writing at once wait
    # for each other instead of failing with "database is locked" (PostgreSQL locks rows).
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/learn/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
# Every user-facing string is marked for translation. The interface languages a deployment
# offers (ATTUNE_LANGUAGES, comma-separated codes) are English by default; Spanish ("en-us,es")
# is ready for translators: its catalogue is in the apps' locale/es folders.
_KNOWN_LANGUAGES = {"en-us": "English", "es": "Español"}
LANGUAGES = [
    (code, _KNOWN_LANGUAGES[code])
    for code in os.environ.get("ATTUNE_LANGUAGES", "en-us").replace(" ", "").split(",")
    if code in _KNOWN_LANGUAGES
] or [("en-us", "English")]
LOCALE_PATHS = [BASE_DIR / "cms" / "locale"]
# The modules are written in one language; the interface language does not change it.
WAGTAIL_CONTENT_LANGUAGES = [("en-us", "English")]
# The hospital's time zone: due dates and completion dates (which decide compliance) are
# calendar dates in this zone; datetimes are stored in UTC.
TIME_ZONE = os.environ.get("ATTUNE_TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("ATTUNE_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "attune@localhost")

# Background work (certificate PDFs) goes through the django-tasks API that Wagtail uses.
# ATTUNE_TASKS_BACKEND picks the backend: "immediate" (default: dev, demo, tests) runs a task
# as soon as it is enqueued; "database" (production, django-tasks-db) stores it in the
# database and `manage.py db_worker` runs it.
TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = os.environ.get("ATTUNE_TASKS_BACKEND", "immediate").strip().lower() or "immediate"
if _tasks_backend not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"ATTUNE_TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {_tasks_backend!r}"
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[_tasks_backend]}}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Attune"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Video lessons (mp4, m4v, webm, ogv) and their WebVTT captions (vtt) are documents too.
WAGTAILDOCS_EXTENSIONS = [
    *["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"],
    *["mp4", "m4v", "webm", "ogv", "vtt"],
]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: staff email hashes never leave the hospital, and the admin works offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Public verification address printed on certificates; defaults to WAGTAILADMIN_BASE_URL.
ATTUNE_PUBLIC_BASE_URL = os.environ.get("ATTUNE_PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL)

# History rows keep the whole reason a person gave (an exemption, an extension, a revocation),
# not the first 100 characters: PostgreSQL refuses a longer value in a varchar(100).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Public verification is rate-limited per client (certificates/throttle.py): each client has
# ATTUNE_VERIFY_LIMIT points per window of ATTUNE_VERIFY_WINDOW_SECONDS; a found code costs 1
# point, an unknown one 5. The client is REMOTE_ADDR, or, behind ATTUNE_TRUSTED_PROXY_COUNT
# reverse proxies, the address that many entries from the right of X-Forwarded-For (the one
# the outermost trusted proxy saw). 0 ignores X-Forwarded-For, which anyone can forge.
ATTUNE_TRUSTED_PROXY_COUNT = env_int("ATTUNE_TRUSTED_PROXY_COUNT", 0)
ATTUNE_VERIFY_LIMIT = env_int("ATTUNE_VERIFY_LIMIT", 60, minimum=1)
ATTUNE_VERIFY_WINDOW_SECONDS = env_int("ATTUNE_VERIFY_WINDOW_SECONDS", 900, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
