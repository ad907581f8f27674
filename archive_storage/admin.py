from django.contrib import admin

from .models import ArchivedFile


@admin.register(ArchivedFile)
class ArchivedFileAdmin(admin.ModelAdmin):
    list_display = ["name", "storage", "role", "status", "size", "attempts", "checks", "verified_at", "updated_at"]
    list_filter = ["status", "storage", "role"]
    search_fields = ["name", "identifier", "md5", "sha256"]
    readonly_fields = ["created_at", "updated_at", "upload_started_at", "uploaded_at", "verified_at"]
