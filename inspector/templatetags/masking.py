"""``{{ text|masked:masker }}``: session keys in any text, masked (see inspector.masking)."""

from __future__ import annotations

from django import template

from inspector.masking import Masker, mask

register = template.Library()


@register.filter
def masked(text: object, masker: Masker | None) -> str:
    # Without a masker (a template rendered outside the page), mask what looks like a key.
    return (masker or Masker())(text)


@register.filter
def masked_known(text: object, masker: Masker | None) -> str:
    return (masker or Masker()).known(text)


@register.filter(name="mask")
def mask_whole(text: object) -> str:
    """The whole value is a secret (a signed cookie's signature): first and last four."""
    return mask(str(text))
