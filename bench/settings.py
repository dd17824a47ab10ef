"""Settings for `make bench-class`: the project's own, plus Django's admin to compare with.

The class view is measured beside the admin changelist of ``Session``; the project itself does
not install the admin, so only the benchmark's server does (``DJANGO_SETTINGS_MODULE``).
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin", "django.contrib.messages"]

# The admin's messages, kept after the session middleware (the inspector's is Django's own).
MIDDLEWARE = [*MIDDLEWARE, "django.contrib.messages.middleware.MessageMiddleware"]

TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [
                *TEMPLATES[0]["OPTIONS"]["context_processors"],
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

ROOT_URLCONF = "bench.urls"
