from django.apps import AppConfig


class OcdConfig(AppConfig):
    name = "ocd"
    label = "ocd"
    verbose_name = "Open Civic Data"
    default_auto_field = "django.db.models.BigAutoField"
