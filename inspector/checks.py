"""System checks: what the inspector needs from a project, each with a clear message.

Its apps and django-htmx's middleware; its own middleware where Django's SessionMiddleware
stood; a SESSION_INSPECTOR it understands; and a word where it would never show.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from inspector import conf
from inspector.engines import ENGINES, configured_engine

MIDDLEWARE = "inspector.middleware.InspectorSessionMiddleware"
DJANGO_SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
#: Middleware that reads request.session, so it must come after the one that sets it.
NEEDS_SESSION = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
)
JSON_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
HTMX_MIDDLEWARE = "django_htmx.middleware.HtmxMiddleware"
#: The apps the inspector's templates, views and migration need beside it.
NEEDED_APPS = (
    ("django_htmx", "its page loads htmx with {% htmx_script %}"),
    ("template_partials", "its page is drawn in {% partialdef %} partials"),
    ("django.contrib.auth", "its migration and lab use the user model, login() and logout()"),
    ("django.contrib.contenttypes", "django.contrib.auth needs it"),
)


@register(Tags.compatibility)
def check_apps(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    installed = set(settings.INSTALLED_APPS)
    return [
        Error(
            f"{app!r} is not in INSTALLED_APPS: the inspector needs it ({why}).",
            hint=f"INSTALLED_APPS += [{app!r}]",
            id="inspector.E001",
        )
        for app, why in NEEDED_APPS
        if app not in installed
    ]


@register(Tags.compatibility)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE not in middleware:
        return [
            Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE: the inspector cannot see the sessions.",
                hint=f"Put it where {DJANGO_SESSION_MIDDLEWARE} stands (it replaces it).",
                id="inspector.W001",
            )
        ]
    messages: list[CheckMessage] = []
    if DJANGO_SESSION_MIDDLEWARE in middleware:
        messages.append(
            Warning(
                f"{DJANGO_SESSION_MIDDLEWARE} is in MIDDLEWARE beside {MIDDLEWARE}: one of "
                "them replaces the other's request.session, and the session is saved twice.",
                hint=f"Remove {DJANGO_SESSION_MIDDLEWARE}: {MIDDLEWARE} is Django's own, watched.",
                id="inspector.W002",
            )
        )
    if HTMX_MIDDLEWARE not in middleware:
        messages.append(
            Error(
                f"{HTMX_MIDDLEWARE} is not in MIDDLEWARE: the inspector's forms cannot tell an "
                "htmx request from a whole page.",
                hint=f"Add {HTMX_MIDDLEWARE} to MIDDLEWARE, after {MIDDLEWARE}.",
                id="inspector.E002",
            )
        )
    position = middleware.index(MIDDLEWARE)
    for name in NEEDS_SESSION:
        if name in middleware and middleware.index(name) < position:
            messages.append(
                Warning(
                    f"{name} comes before {MIDDLEWARE} in MIDDLEWARE.",
                    hint=f"Move {MIDDLEWARE} above it: it sets request.session, and it must "
                    "finish the response after everything inside it (the panels show what "
                    "SessionMiddleware saved).",
                    id="inspector.W003",
                )
            )
    return messages


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    given = getattr(settings, conf.SETTING, {})
    if not isinstance(given, dict):
        return [
            Error(
                f"{conf.SETTING} is a {type(given).__name__}, not a dict.",
                hint=f'{conf.SETTING} = {{"SHOW_CALLBACK": "myproject.debug.show_inspector"}}',
                id="inspector.E003",
            )
        ]
    for name in sorted(set(given) - conf.NAMES):
        messages.append(
            Error(
                f"{conf.SETTING} has {name!r}, which the inspector does not know.",
                hint="It knows " + ", ".join(sorted(conf.NAMES)) + ".",
                id="inspector.E004",
            )
        )
    callback = given.get("SHOW_CALLBACK", conf.DEFAULT_SHOW_CALLBACK)
    if isinstance(callback, str):
        try:
            import_string(callback)
        except ImportError as error:
            messages.append(
                Error(
                    f"{conf.SETTING}['SHOW_CALLBACK'] {callback!r} cannot be imported: {error}",
                    hint="A dotted path to a function of the request that returns a bool.",
                    id="inspector.E005",
                )
            )
    elif not callable(callback):
        messages.append(
            Error(
                f"{conf.SETTING}['SHOW_CALLBACK'] is neither a dotted path nor a function.",
                hint="A dotted path to a function of the request that returns a bool.",
                id="inspector.E005",
            )
        )
    if callback == conf.DEFAULT_SHOW_CALLBACK:
        if not settings.DEBUG:
            messages.append(
                Warning(
                    "DEBUG is off and the inspector's SHOW_CALLBACK is the default (DEBUG on "
                    "and INTERNAL_IPS): it is hidden, every one of its URLs answers 404, and "
                    "its middleware is Django's SessionMiddleware.",
                    hint="To show it with DEBUG off, set SHOW_CALLBACK to a function of the "
                    "request that says where it is safe: everyone who sees it sees their own "
                    "session whole, and can change it. Hidden on purpose: add "
                    '"inspector.W004" to SILENCED_SYSTEM_CHECKS.',
                    id="inspector.W004",
                )
            )
        elif not settings.INTERNAL_IPS:
            messages.append(
                Warning(
                    "INTERNAL_IPS is empty: the inspector shows only to the addresses in it.",
                    hint='INTERNAL_IPS = ["127.0.0.1"]',
                    id="inspector.W006",
                )
            )
    for name in conf.FEATURES:
        if name in given and not isinstance(given[name], bool):
            messages.append(
                Error(
                    f"{conf.SETTING}[{name!r}] is {given[name]!r}, not True or False.",
                    hint=f'"{name}": True turns it on; leave it out to keep it off.',
                    id="inspector.E006",
                )
            )
    if settings.SESSION_SERIALIZER != JSON_SERIALIZER:
        messages.append(
            Warning(
                f"SESSION_SERIALIZER is {settings.SESSION_SERIALIZER!r}: the inspector decodes "
                "the JSON that Django's own serializer writes, so it would show this "
                "project's sessions as empty or unreadable.",
                hint=f"Use the default, {JSON_SERIALIZER}, where you run the inspector.",
                id="inspector.W007",
            )
        )
    if configured_engine() is None:
        names = ", ".join(engine.module for engine in ENGINES.values())
        messages.append(
            Warning(
                f"SESSION_ENGINE {settings.SESSION_ENGINE!r} is not one of Django's engines: "
                "the inspector cannot read its records, so it stays hidden and its middleware "
                "is Django's SessionMiddleware.",
                hint=f"It reads {names}.",
                id="inspector.W005",
            )
        )
    return messages
