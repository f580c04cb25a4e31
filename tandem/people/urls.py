from django.urls import path

from tandem.people import consent_views, merge_views, views

app_name = "people"
urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/merge/", merge_views.contact_merge, name="contact_merge"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/merge/", merge_views.account_merge, name="account_merge"),
    path("duplicates/", merge_views.duplicates_list, name="duplicates"),
    path("duplicates/dismiss/", merge_views.duplicate_dismiss, name="duplicate_dismiss"),
    path(
        "duplicates/dismissals/<int:dismissal_id>/undo/",
        merge_views.duplicate_dismissal_undo,
        name="duplicate_dismissal_undo",
    ),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact"),
    path("contacts/<int:contact_id>/move/", views.contact_move, name="contact_move"),
    path(
        "contacts/<int:contact_id>/consent/", consent_views.contact_consent, name="contact_consent"
    ),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("touches/new/", views.touch_new, name="touch_new"),
]
