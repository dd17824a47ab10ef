"""The inspector's URLs, under any prefix. Each answers 404 where the inspector is not shown
(``SESSION_INSPECTOR["SHOW_CALLBACK"]``), and a feature's where the feature is off."""

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern
from django.urls import path as _path

from inspector import classroom, lifecycle, tamper, tutorial, views
from inspector.conf import shown_only
from inspector.lessons import run_step

app_name = "inspector"


def path(
    route: str, view: Callable[..., HttpResponse], name: str, feature: str | None = None
) -> URLPattern:
    return _path(route, shown_only(view, feature), name=name)


urlpatterns = [
    path("", views.page, name="page"),
    path("session/add", views.add_key, name="add"),
    path("session/edit", views.edit_key, name="edit"),
    path("session/delete", views.delete_key, name="delete"),
    path("session/clear", views.clear, name="clear"),
    path("session/flush", views.flush, name="flush"),
    path("engine", views.switch_engine, name="engine", feature="ENGINE_SWITCH"),
    path("presenter", views.toggle_presenter, name="presenter"),
    path("reveal", views.toggle_reveal, name="reveal"),
    path("expiry", lifecycle.set_expiry, name="expiry"),
    path("expiry/clear-expired", lifecycle.clear_expired, name="clear-expired"),
    path("session/cycle-key", lifecycle.cycle_key, name="cycle-key"),
    path("login", lifecycle.log_in, name="login", feature="DEMO_USER"),
    path("logout", lifecycle.log_out, name="logout"),
    path("test-cookie/set", lifecycle.set_test_cookie, name="test-cookie-set"),
    path("test-cookie/check", lifecycle.test_cookie_worked, name="test-cookie-check"),
    path("test-cookie/delete", lifecycle.delete_test_cookie, name="test-cookie-delete"),
    path("method", lifecycle.run_method, name="method"),
    path("tamper/cookie", tamper.send_cookie, name="tamper-cookie"),
    path("tamper/restore", tamper.restore_cookie, name="tamper-restore"),
    path("tamper/record", tamper.change_record, name="tamper-record"),
    path("tamper/read", tamper.read_session, name="tamper-read"),
    path("tamper/secret-key", tamper.new_secret_key, name="tamper-secret-key"),
    path("class/", classroom.class_view, name="class", feature="CLASS_VIEW"),
    path("class/record", classroom.record, name="class-record", feature="CLASS_VIEW"),
    path("class/delete", classroom.delete_session, name="class-delete", feature="CLASS_VIEW"),
    path(
        "class/clear-expired",
        classroom.clear_expired,
        name="class-clear-expired",
        feature="CLASS_VIEW",
    ),
    path(
        "class/start-fresh", classroom.start_fresh, name="class-start-fresh", feature="CLASS_VIEW"
    ),
    path("nested/append", lifecycle.append_in_place, name="nested-append"),
    path(
        "nested/append-modified", lifecycle.append_and_mark_modified, name="nested-append-modified"
    ),
]

#: The lessons' views (inspector.tutorial), each run as a step: route, view, name.
LESSON_VIEWS = (
    ("set/", tutorial.set_names, "lesson-set"),
    ("get/", tutorial.get_names, "lesson-get"),
    ("get-or-guest/", tutorial.get_names_or_guest, "lesson-get-or-guest"),
    ("delete/", tutorial.delete_names, "lesson-delete"),
    ("read-then-delete/", tutorial.read_then_delete, "lesson-read-then-delete"),
    ("name/", tutorial.name_form, "lesson-name"),
    ("name/show/", tutorial.show_name, "lesson-name-show"),
    ("dict/", tutorial.dict_methods, "lesson-dict"),
    ("flush/", tutorial.flush, "lesson-flush"),
    ("test-cookie/set/", tutorial.set_test_cookie, "lesson-test-cookie-set"),
    ("test-cookie/check/", tutorial.check_test_cookie, "lesson-test-cookie-check"),
    ("create/", tutorial.create_session, "lesson-create"),
    ("access/", tutorial.access_session, "lesson-access"),
    ("remove/", tutorial.delete_session, "lesson-remove"),
)
urlpatterns += [
    path(f"lessons/{route}", run_step(view), name=name, feature="LESSONS")
    for route, view, name in LESSON_VIEWS
]
