"""The project's URLs plus the admin, with ``Session`` registered the usual way."""

from django.contrib import admin
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400
from config.urls import urlpatterns as project_urlpatterns
from inspector.listing import PAGE_SIZE


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("session_key", "decoded", "expire_date")
    # The admin's default is 100; the class view shows PAGE_SIZE (50): the same rows in both.
    list_per_page = PAGE_SIZE
    # The class view's first page: the latest expiry first, ties by key.
    ordering = ("-expire_date", "-session_key")

    @admin.display(description="Decoded")
    def decoded(self, obj: Session) -> dict:
        return obj.get_decoded()


def nothing(request: HttpRequest) -> HttpResponse:
    """The polls' yardstick: an empty 204 from a bare view, through the same middleware."""
    return HttpResponse(status=204)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("bench/nothing", nothing),
    *project_urlpatterns,
]

__all__ = ["handler400", "urlpatterns"]
