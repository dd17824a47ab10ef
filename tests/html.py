"""Read what a person would read from the page's HTML, by element id."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}


class _TextById(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.found = False
        self.parts: list[str] = []
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            if tag not in VOID:
                self.depth += 1
        elif dict(attrs).get("id") == self.element_id and not self.found:
            self.found = True
            self.attributes = dict(attrs)
            self.depth = 0 if tag in VOID else 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_by_id(html: str, element_id: str) -> str | None:
    """The element's text with white space folded, or None when there is no such element."""
    parser = _TextById(element_id)
    parser.feed(html)
    if not parser.found:
        return None
    return " ".join("".join(parser.parts).split())


def attributes_by_id(html: str, element_id: str) -> dict[str, str | None] | None:
    parser = _TextById(element_id)
    parser.feed(html)
    return parser.attributes if parser.found else None
