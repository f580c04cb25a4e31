from django.contrib import admin

from tandem.sales.models import Pipeline, PipelineStage


class StageInline(admin.TabularInline):
    model = PipelineStage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")
    inlines = [StageInline]
