from django.urls import path

from inspector import classroom, lifecycle, tamper, tutorial, views
from inspector.lessons import run_step

app_name = "inspector"

urlpatterns = [
    path("", views.page, name="page"),
    path("session/add", views.add_key, name="add"),
    path("session/edit", views.edit_key, name="edit"),
    path("session/delete", views.delete_key, name="delete"),
    path("session/clear", views.clear, name="clear"),
    path("session/flush", views.flush, name="flush"),
    path("engine", views.switch_engine, name="engine"),
    path("presenter", views.toggle_presenter, name="presenter"),
    path("reveal", views.toggle_reveal, name="reveal"),
    path("expiry", lifecycle.set_expiry, name="expiry"),
    path("expiry/clear-expired", lifecycle.clear_expired, name="clear-expired"),
    path("session/cycle-key", lifecycle.cycle_key, name="cycle-key"),
    path("login", lifecycle.log_in, name="login"),
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
    path("class/", classroom.class_view, name="class"),
    path("class/record", classroom.record, name="class-record"),
    path("class/delete", classroom.delete_session, name="class-delete"),
    path("class/clear-expired", classroom.clear_expired, name="class-clear-expired"),
    path("class/start-fresh", classroom.start_fresh, name="class-start-fresh"),
    path("lessons/set/", run_step(tutorial.set_names), name="lesson-set"),
    path("lessons/get/", run_step(tutorial.get_names), name="lesson-get"),
    path(
        "lessons/get-or-guest/", run_step(tutorial.get_names_or_guest), name="lesson-get-or-guest"
    ),
    path("lessons/delete/", run_step(tutorial.delete_names), name="lesson-delete"),
    path(
        "lessons/read-then-delete/",
        run_step(tutorial.read_then_delete),
        name="lesson-read-then-delete",
    ),
    path("lessons/name/", run_step(tutorial.name_form), name="lesson-name"),
    path("lessons/name/show/", run_step(tutorial.show_name), name="lesson-name-show"),
    path("lessons/dict/", run_step(tutorial.dict_methods), name="lesson-dict"),
    path("lessons/flush/", run_step(tutorial.flush), name="lesson-flush"),
    path(
        "lessons/test-cookie/set/",
        run_step(tutorial.set_test_cookie),
        name="lesson-test-cookie-set",
    ),
    path(
        "lessons/test-cookie/check/",
        run_step(tutorial.check_test_cookie),
        name="lesson-test-cookie-check",
    ),
    path("lessons/create/", run_step(tutorial.create_session), name="lesson-create"),
    path("lessons/access/", run_step(tutorial.access_session), name="lesson-access"),
    path("lessons/remove/", run_step(tutorial.delete_session), name="lesson-remove"),
    path("nested/append", lifecycle.append_in_place, name="nested-append"),
    path(
        "nested/append-modified", lifecycle.append_and_mark_modified, name="nested-append-modified"
    ),
]
