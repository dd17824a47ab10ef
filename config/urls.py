from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from inspector.security import with_policy

urlpatterns = [
    # Django's own login, for the class view (staff only): manage.py createsuperuser.
    path(
        "accounts/login/",
        with_policy(auth_views.LoginView.as_view(template_name="inspector/login.html")),
        name="login",
    ),
    path(
        "accounts/logout/",
        with_policy(auth_views.LogoutView.as_view(next_page="/")),
        name="logout",
    ),
    path("", include("inspector.urls")),
]

if settings.BENCH_BASELINE:
    from inspector.baseline import baseline_write

    urlpatterns.append(path("bench/baseline", baseline_write))

handler400 = "inspector.errors.bad_request"
