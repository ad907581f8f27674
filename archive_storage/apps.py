from django.apps import AppConfig


class ArchiveStorageConfig(AppConfig):
    name = "archive_storage"
    label = "archive_storage"
    verbose_name = "Archive storage"
    default_auto_field = "django.db.models.BigAutoField"
