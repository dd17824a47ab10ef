"""A project's own URLconf with the inspector installed under a prefix, for tests/test_host.py."""

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def write(request: HttpRequest) -> HttpResponse:
    request.session["favourite"] = "blue"
    return HttpResponse("written")


def read(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.session.get("colour")))


def sign_in(request: HttpRequest) -> HttpResponse:
    user, _ = get_user_model().objects.get_or_create(username="host-user")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponse("logged in")


def fail(request: HttpRequest) -> HttpResponse:
    request.session["half"] = "done"
    raise ValueError("the project's view failed")


urlpatterns = [
    path("write/", write),
    path("read/", read),
    path("sign-in/", sign_in),
    path("fail/", fail),
    path("inspector/", include("inspector.urls")),
]
