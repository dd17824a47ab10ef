"""The classic session tutorials' programs, as a course teaches them: each view a few lines.

They are written as the tutorials write them, mistakes included (a KeyError on a second
visit, a password in the session): ``inspector.lessons`` runs each for real in the
browser's own session and shows what Django did. Keep them short; the page prints them.
"""

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.utils.html import format_html

# 1. Set, get, delete


def set_names(request: HttpRequest) -> HttpResponse:
    request.session["first_name"] = "Sonam"
    request.session["last_name"] = "Wangmo"
    return HttpResponse("Names stored in the session.")


def get_names(request: HttpRequest) -> HttpResponse:
    first_name = request.session["first_name"]
    last_name = request.session["last_name"]
    return HttpResponse(f"Hello, {first_name} {last_name}!")


def get_names_or_guest(request: HttpRequest) -> HttpResponse:
    first_name = request.session.get("first_name", default="Guest")
    last_name = request.session.get("last_name", default="")
    return HttpResponse(f"Hello, {first_name} {last_name}!")


def delete_names(request: HttpRequest) -> HttpResponse:
    if "first_name" in request.session:
        del request.session["first_name"]
    if "last_name" in request.session:
        del request.session["last_name"]
    return HttpResponse("Names deleted.")


def read_then_delete(request: HttpRequest) -> HttpResponse:
    first_name = request.session["first_name"]
    del request.session["first_name"]
    return HttpResponse(f"Goodbye, {first_name}.")


# 2. A name from a form


def name_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.session["name"] = request.POST["name"]
        return redirect("inspector:lesson-name-show")
    return HttpResponse(
        format_html(
            '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input name="name"><button>Save</button></form>',
            get_token(request),
        )
    )


def show_name(request: HttpRequest) -> HttpResponse:
    name = request.session.get("name")
    if name is None:
        return HttpResponse("Name not found.")
    return HttpResponse(f"Your name is {name}.")


# 3. Dict methods and flush


def dict_methods(request: HttpRequest) -> HttpResponse:
    keys = list(request.session.keys())
    items = list(request.session.items())
    age = request.session.setdefault("age", "26")
    return HttpResponse(f"keys(): {keys}\nitems(): {items}\nsetdefault('age', '26'): {age!r}")


def flush(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponse("Session flushed.")


# 4. Test cookie


def set_test_cookie(request: HttpRequest) -> HttpResponse:
    request.session.set_test_cookie()
    return HttpResponse("Test value stored in the session: now load the next page.")


def check_test_cookie(request: HttpRequest) -> HttpResponse:
    if request.session.test_cookie_worked():
        request.session.delete_test_cookie()
        return HttpResponse("Cookies work: the test value came back, and is deleted.")
    return HttpResponse("Please enable cookies and try again.")


# 5. Create, access, delete


def create_session(request: HttpRequest) -> HttpResponse:
    request.session["username"] = "sonam"
    request.session["password"] = "hunter2"
    return HttpResponse("Session created.")


def access_session(request: HttpRequest) -> HttpResponse:
    if "username" not in request.session or "password" not in request.session:
        return redirect("inspector:lesson-create")
    return HttpResponse(f"Welcome back, {request.session['username']}.")


def delete_session(request: HttpRequest) -> HttpResponse:
    try:
        del request.session["username"]
        del request.session["password"]
    except KeyError:
        pass
    return HttpResponse("Session data deleted.")
