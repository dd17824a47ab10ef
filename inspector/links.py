"""The inspector's URLs for its templates, each reversed once.

``{% url %}`` reverses on every use, about a hundred times a page: ``{{ urls.cycle_key }}``
is "inspector:cycle-key" reversed once per process for each script prefix and URLconf.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


class URLs(dict[str, str]):
    def __missing__(self, name: str) -> str:
        url = self[name] = url_of(name.replace("_", "-"))
        return url


def url_of(name: str) -> str:
    """The URL of the inspector's view ``name`` ("cycle-key"), under this request's prefix."""
    return _reverse(name, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))


@lru_cache(maxsize=256)
def _reverse(name: str, prefix: str, urlconf: str) -> str:
    """What reverse() gives under this script prefix and URLconf (its only inputs here)."""
    return reverse("inspector:" + name, urlconf=urlconf)
