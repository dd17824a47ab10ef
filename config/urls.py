from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("inspector.urls")),
]

if settings.BENCH_BASELINE:
    from inspector.baseline import baseline_write

    urlpatterns.append(path("bench/baseline", baseline_write))

handler400 = "inspector.errors.bad_request"
