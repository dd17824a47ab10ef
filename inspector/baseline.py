"""The benchmark's yardstick: the same session write as "Add", with no inspector around it."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST


@require_POST
def baseline_write(request: HttpRequest) -> HttpResponse:
    request.session[request.POST.get("key", "k")] = request.POST.get("value", "")
    return HttpResponse("saved", content_type="text/plain")
