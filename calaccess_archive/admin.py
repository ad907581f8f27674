from django.contrib import admin

from .models import RawDataFile, RawDataVersion, ReleaseCheck, StageRun


class StageRunInline(admin.TabularInline):
    model = StageRun
    extra = 0
    readonly_fields = ["stage", "status", "started_at", "finished_at", "attempts", "error"]


@admin.register(RawDataVersion)
class RawDataVersionAdmin(admin.ModelAdmin):
    list_display = ["release_datetime", "status", "expected_size", "download_size", "updated_at"]
    list_filter = ["status"]
    inlines = [StageRunInline]


@admin.register(RawDataFile)
class RawDataFileAdmin(admin.ModelAdmin):
    list_display = [
        "table", "version", "status", "records_in", "records_out", "quarantined",
        "repaired", "rejoined", "records_loaded",
    ]
    list_filter = ["status", "table"]
    search_fields = ["table"]


@admin.register(ReleaseCheck)
class ReleaseCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "source", "status_code", "last_modified", "content_length", "outcome"]
    list_filter = ["outcome"]


from .models import Problem  # noqa: E402  (telling people, processors/pipeline/notify.py)


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["key", "summary", "release", "opened_at", "notified_at", "resolved_at"]
    list_filter = ["key", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "summary"]
    readonly_fields = ["opened_at", "notified_at", "resolved_at", "last_sent_summary", "delivered"]
