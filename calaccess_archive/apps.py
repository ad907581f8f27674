from django.apps import AppConfig


class CalaccessArchiveConfig(AppConfig):
    name = "calaccess_archive"
    verbose_name = "CAL-ACCESS archive"
