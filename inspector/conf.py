"""The inspector's settings: one dict, ``SESSION_INSPECTOR``, over these defaults.

In a host project the inspector shows the project's own session under its own
``SESSION_ENGINE``, and only where ``SHOW_CALLBACK`` says it is safe (by default, DEBUG on
and the client in INTERNAL_IPS, as django-debug-toolbar does). The classroom features are
this repository's site's (``config/settings.py`` turns them on); a host turns each on here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SETTING = "SESSION_INSPECTOR"
DEFAULT_SHOW_CALLBACK = "inspector.conf.show_inspector"


def show_inspector(request: HttpRequest) -> bool:
    """The default: shown with DEBUG on, to a client whose address is in INTERNAL_IPS."""
    return bool(settings.DEBUG) and request.META.get("REMOTE_ADDR") in settings.INTERNAL_IPS


def show_to_everyone(request: HttpRequest) -> bool:
    """For a site that is the inspector (this repository's): every browser sees its own
    session, and only its own."""
    return True


@dataclass(frozen=True)
class Config:
    #: A function of the request, or its dotted path: whether the inspector shows.
    SHOW_CALLBACK: str | Callable[[HttpRequest], bool] = DEFAULT_SHOW_CALLBACK
    #: The engine picked per browser (its own cookie); off, the project's SESSION_ENGINE.
    ENGINE_SWITCH: bool = False
    #: The tutorial programs, run as lessons under lessons/.
    LESSONS: bool = False
    #: The staff-only class view of every stored session, under class/.
    CLASS_VIEW: bool = False
    #: The lifecycle lab's "Log in as demo user" (a user made by the migration).
    DEMO_USER: bool = False

    @functools.cached_property
    def show(self) -> Callable[[HttpRequest], bool]:
        callback = self.SHOW_CALLBACK
        return import_string(callback) if isinstance(callback, str) else callback


NAMES = frozenset(field.name for field in fields(Config))
#: A feature's name as SESSION_INSPECTOR spells it, for the URLs and the page.
FEATURES = ("ENGINE_SWITCH", "LESSONS", "CLASS_VIEW", "DEMO_USER")


def given() -> dict[str, Any]:
    """SESSION_INSPECTOR as the project wrote it (a non-dict reads as none: the checks say)."""
    value = getattr(settings, SETTING, None)
    return value if isinstance(value, dict) else {}


@functools.cache
def config() -> Config:
    # Unknown names are left to the checks (inspector.E004), not a crash at import.
    return Config(**{name: value for name, value in given().items() if name in NAMES})


def shows(request: HttpRequest) -> bool:
    """Whether this request is inspected: elsewhere the middleware is Django's own.

    The callback runs before the session exists (it decides which middleware that is), so
    ``request.user`` and ``request.session`` are not there yet: one that fails hides the
    inspector, and says why in the log, rather than failing the project's every request.
    """
    try:
        return bool(config().show(request))
    except Exception:
        logger.exception("SESSION_INSPECTOR['SHOW_CALLBACK'] failed: the inspector stays hidden")
        return False


def enabled(feature: str) -> bool:
    return bool(getattr(config(), feature))


@receiver(setting_changed)
def _forget(setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        config.cache_clear()


def shown_only(
    view: Callable[..., HttpResponse], feature: str | None = None
) -> Callable[..., HttpResponse]:
    """The view, where this request is inspected (and ``feature`` is on); elsewhere a 404,
    as if the URL were not there."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "inspection", None) is None or (feature and not enabled(feature)):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def part_of_the_inspector(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view outside the inspector's URLs as its own (this site's login for the class
    view): its page gets the inspector's policy and explanations, not a project view's report."""
    view.inspector_own = True  # type: ignore[attr-defined]
    return view
