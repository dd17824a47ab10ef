"""The inspector's URLs for its templates, each reversed once per page.

``{% url %}`` reverses on every use, and the page names some URLs once per key in the
session (its Edit and Delete forms): ``{{ urls.cycle_key }}`` reverses "inspector:cycle-key"
the first time it is asked for, under this request's prefix.
"""

from __future__ import annotations

from django.urls import reverse


class URLs(dict[str, str]):
    def __missing__(self, name: str) -> str:
        url = self[name] = reverse("inspector:" + name.replace("_", "-"))
        return url
