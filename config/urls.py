from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from inspector.conf import part_of_the_inspector

urlpatterns = [
    # Django's own login, for the class view (staff only): manage.py createsuperuser.
    path(
        "accounts/login/",
        part_of_the_inspector(auth_views.LoginView.as_view(template_name="inspector/login.html")),
        name="login",
    ),
    path(
        "accounts/logout/",
        part_of_the_inspector(auth_views.LogoutView.as_view(next_page="/")),
        name="logout",
    ),
    path("", include("inspector.urls")),
]

if settings.BENCH_BASELINE:
    from inspector.baseline import PATH, baseline_write

    urlpatterns.append(path(PATH.lstrip("/"), baseline_write))

handler400 = "inspector.errors.bad_request"
