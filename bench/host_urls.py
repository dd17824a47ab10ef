"""A project's URLconf for `make bench-host`: one view that writes the session, and the
inspector under a prefix."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def write(request: HttpRequest) -> HttpResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return HttpResponse("written")


urlpatterns = [path("write/", write), path("inspector/", include("inspector.urls"))]
