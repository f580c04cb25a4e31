from django.contrib import admin

from tandem.marketing.models import Campaign, LeadForm


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "objective", "channel", "utm_campaign", "starts_on", "budget")


@admin.register(LeadForm)
class LeadFormAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "campaign", "is_active")
    prepopulated_fields = {"slug": ("name",)}
