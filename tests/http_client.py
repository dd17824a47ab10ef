"""A plain HTTP client with its own cookie jar: a student's browser without the browser."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    text: str


class Student:
    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.jar if cookie.name == name), None)

    def get(self, url: str) -> Reply:
        return self._open(urllib.request.Request(url))

    def post(self, base: str, path: str, data: dict[str, str], *, htmx: bool = False) -> Reply:
        if self.cookie("csrftoken") is None:
            self.get(base + "/")
        headers = {"X-CSRFToken": self.cookie("csrftoken") or ""}
        if htmx:
            headers["HX-Request"] = "true"
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> Reply:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(errors="replace"))
