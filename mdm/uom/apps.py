from django.apps import AppConfig


class UomConfig(AppConfig):
    name = "mdm.uom"
    label = "uom"
    verbose_name = "Units of measure"
