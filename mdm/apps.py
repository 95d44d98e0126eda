from django.apps import AppConfig


class MdmConfig(AppConfig):
    name = "mdm"
    verbose_name = "Master data"

    def ready(self) -> None:
        from . import (
            audit,  # noqa: F401  (connects the history signal)
            db,  # noqa: F401  (registers the `any` lookup)
        )
