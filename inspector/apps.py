from django.apps import AppConfig


class InspectorConfig(AppConfig):
    name = "inspector"
    verbose_name = "Session Inspector"

    def ready(self) -> None:
        from inspector import checks, operations, watching  # noqa: F401 (registers the checks)

        watching.install()
        operations.watch_logs()
