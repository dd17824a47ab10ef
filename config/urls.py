from django.urls import include, path

urlpatterns = [
    path("", include("inspector.urls")),
]

handler400 = "inspector.errors.bad_request"
