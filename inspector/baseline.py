"""The benchmark's yardstick: the same session write as "Add", with no inspector around it."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

PATH = "/bench/baseline"


@require_POST
def baseline_write(request: HttpRequest) -> HttpResponse:
    request.session[request.POST.get("key", "k")] = request.POST.get("value", "")
    return HttpResponse("saved", content_type="text/plain")


def shown_but_on_the_yardstick(request: HttpRequest) -> bool:
    """The inspector's show callback under `make bench`: everywhere but the yardstick, where
    the middleware is Django's SessionMiddleware alone (nothing watched, nothing reported)."""
    return request.path_info != PATH
