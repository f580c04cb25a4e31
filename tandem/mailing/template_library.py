"""The only tags and filters an email template may use: harmless text shaping, no loading,
no includes, no loops over data, nothing that reaches beyond the variables it is given."""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

register = Library()

# No {% autoescape %}: names come from public forms and must stay escaped in the HTML body.
TAGS = ("if", "comment", "spaceless", "firstof", "now", "templatetag", "verbatim")
FILTERS = (
    "default",
    "default_if_none",
    "upper",
    "lower",
    "title",
    "capfirst",
    "truncatechars",
    "truncatewords",
    "date",
    "escape",
    "linebreaksbr",
    "urlencode",
    "cut",
    "yesno",
)

for _name in TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]
