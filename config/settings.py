"""Settings for Session Inspector, read from the environment (see README, "Settings")."""

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def secret_key_from_file(path: Path) -> str:
    """Read the key generated on first start, creating it if needed.

    Sessions are signed with this key: regenerating it on every start would
    invalidate every session a class has built up, so it is kept in a
    git-ignored file instead.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


DEBUG = env_flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_key_from_file(
    Path(os.environ.get("DJANGO_SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
)
# The teacher's own machine always answers; DJANGO_ALLOWED_HOSTS adds the LAN names to it.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env_list("DJANGO_ALLOWED_HOSTS", "")]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "inspector",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's SessionMiddleware with the engine picked per browser and its store
    # watched; it renders the inspector's panels once the session is saved.
    "inspector.middleware.InspectorSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

SQLITE_PATH = BASE_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A class of students writes at once: WAL lets readers run beside the
    # writer, IMMEDIATE takes the write lock up front (no upgrade deadlocks)
    # and the timeout makes writers queue instead of failing with
    # "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for the lock. DJANGO_SQLITE_TIMEOUT is for the tests,
        # which hold the lock on purpose and need not wait 20 s to see it outlast this.
        "timeout": float(os.environ.get("DJANGO_SQLITE_TIMEOUT") or 20),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_ENGINE = os.environ.get("DJANGO_SESSION_ENGINE", "django.contrib.sessions.backends.db")
SESSION_FILE_PATH = os.environ.get("DJANGO_SESSION_FILE_PATH", str(BASE_DIR / "sessions"))

REDIS_URL = os.environ.get("REDIS_URL", "")


def shared_cache(table: str, prefix: str = "") -> dict[str, object]:
    """A cache every server process shares: Redis when REDIS_URL is set, else a table in the
    site's own database (Django's DatabaseCache; `make run` creates it with createcachetable).
    Local memory would give each of `make run`'s worker processes a cache of its own."""
    if REDIS_URL:
        redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        return redis | ({"KEY_PREFIX": prefix} if prefix else {})
    return {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": table,
        # Django's default of 300 would cull a class's sessions.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    }


CACHES = {
    "default": shared_cache("django_cache"),
    # The inspector's own state (which open pages are out of date): apart from the sessions,
    # so it never pushes a session out of a full cache.
    "inspector": shared_cache("inspector_cache", prefix="inspector"),
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Compressed, cache-busted files once collectstatic has run (`make serve` runs
# it with DJANGO_COLLECTED_STATIC=1); otherwise whitenoise serves the source
# files as they are, so the page never fails for want of a manifest.
COLLECTED = not DEBUG and env_flag(
    "DJANGO_COLLECTED_STATIC", default=(STATIC_ROOT / "staticfiles.json").exists()
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED
# Before collectstatic, STATIC_ROOT does not exist yet; the finders serve instead.
warnings.filterwarnings("ignore", message="No directory at: ")

CSRF_FAILURE_VIEW = "inspector.errors.csrf_failure"

# This site is the inspector: every browser sees its own session (and only its own), with
# every classroom feature on. A project that installs the inspector starts with them off.
SESSION_INSPECTOR = {
    "SHOW_CALLBACK": "inspector.conf.show_to_everyone",
    "ENGINE_SWITCH": True,
    "LESSONS": True,
    "CLASS_VIEW": True,
    "DEMO_USER": True,
}

# The class view is for staff: Django's own login page, then back to it.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inspector:class"

# Plain HTTP is the classroom default (a laptop on a LAN has no certificate).
# DJANGO_HTTPS=1, behind a TLS proxy that sets X-Forwarded-Proto, makes every
# cookie Secure and turns on HSTS and the HTTPS redirect.
HTTPS = env_flag("DJANGO_HTTPS")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# `make bench` compares the inspector with a bare view doing the same session
# write; that view exists only when the benchmark asks for it, and the inspector
# leaves it to Django's SessionMiddleware alone.
BENCH_BASELINE = env_flag("DJANGO_BENCH_BASELINE")
if BENCH_BASELINE:
    SESSION_INSPECTOR["SHOW_CALLBACK"] = "inspector.baseline.shown_but_on_the_yardstick"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
