from django.urls import path

from inspector import views

app_name = "inspector"

urlpatterns = [
    path("", views.page, name="page"),
    path("session/add", views.add_key, name="add"),
    path("session/edit", views.edit_key, name="edit"),
    path("session/delete", views.delete_key, name="delete"),
    path("session/clear", views.clear, name="clear"),
    path("session/flush", views.flush, name="flush"),
    path("engine", views.switch_engine, name="engine"),
]
