"""Email personalisation: Django template syntax in a sandbox.

A template may name only the variables in ``VARIABLES`` and use only the tags and filters of
``tandem.mailing.template_library``. ``template_problems`` finds what is wrong with a template
(the reason and the line) so a bad one is refused when it is saved, never discovered halfway
through a send. Rendering is given plain dicts, so nothing beyond those values is reachable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape as html_escape
from html import unescape
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable

from tandem.core.seller import Seller
from tandem.mailing.template_library import FILTERS, TAGS

VARIABLES = {
    "contact.first_name": "the contact's first name",
    "contact.last_name": "the contact's last name",
    "contact.email": "the contact's email address",
    "contact.title": "the contact's job title",
    "account.name": "the name of the contact's company",
    "account.industry": "the company's industry",
    "unsubscribe_url": "the one-click unsubscribe link",
    "preferences_url": "the link to the contact's email preferences",
}
ROOTS = {name.split(".")[0] for name in VARIABLES}


class _SandboxEngine(Engine):
    # Engine adds Django's default tag libraries (include, load, for …) to any builtins given.
    default_builtins: list[str] = []  # type: ignore[misc]  # a class attribute in Django too


@lru_cache(maxsize=1)
def sandbox() -> Engine:
    """An engine with no loaders and no built-in tags beyond the whitelist: ``{% include %}``,
    ``{% load %}``, ``{% extends %}`` and ``{% for %}`` are unknown tags here."""
    return _SandboxEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        builtins=["tandem.mailing.template_library"],
        debug=True,
        autoescape=True,
    )


@dataclass(frozen=True)
class Problem:
    """What is wrong with one part of a template, and on which line."""

    part: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _walk(obj: Any, seen: set[int]) -> Iterator[FilterExpression]:
    """Every filter expression inside a node's own attributes (if conditions, firstof …)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, FilterExpression):
        yield obj
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _walk(item, seen)
    elif isinstance(obj, Node | Variable) or type(obj).__module__ in (
        "django.template.defaulttags",
        "django.template.smartif",
    ):
        for key, value in vars(obj).items():
            # Child nodes are visited by the caller; the token and origin hold no expressions.
            if key not in ("nodelist", "token", "origin", "conditions_nodelists"):
                yield from _walk(value, seen)
        if hasattr(obj, "conditions_nodelists"):
            for condition, _ in obj.conditions_nodelists:
                yield from _walk(condition, seen)


def _names(expression: FilterExpression) -> Iterator[str]:
    candidates = [expression.var] + [arg for _, args in expression.filters for _, arg in args]
    for var in candidates:
        if isinstance(var, Variable) and var.lookups is not None:
            yield ".".join(var.lookups)


def _nodes(template: Template) -> Iterator[Node]:
    stack = list(template.nodelist)
    while stack:
        node = stack.pop()
        yield node
        for attr in node.child_nodelists:
            stack.extend(getattr(node, attr, None) or [])


def template_problems(source: str, *, part: str) -> list[Problem]:
    """What stops ``source`` from being a safe email template: bad syntax, a tag or filter
    outside the whitelist, or a variable that is not offered. Empty when it is fine."""
    try:
        template = Template(source, engine=sandbox())
    except TemplateSyntaxError as exc:
        debug = getattr(exc, "template_debug", None) or {}
        message = str(exc).split("\n")[0].rstrip(". :")
        if tag := re.search(r"Invalid block tag on line \d+: '([^']+)'", message):
            message = (
                f"the tag '{tag.group(1)}' is not allowed in an email template "
                f"(allowed: {', '.join(TAGS)})"
            )
        elif bad_filter := re.search(r"Invalid filter: '([^']+)'", message):
            message = (
                f"the filter '{bad_filter.group(1)}' is not allowed in an email template "
                f"(allowed: {', '.join(FILTERS)})"
            )
        return [Problem(part, int(debug.get("line", 1)), message)]
    problems = set()
    for node in _nodes(template):
        line = getattr(getattr(node, "token", None), "lineno", 1) or 1
        if isinstance(node, TextNode) and (opened := re.search(r"\{\{|\{%", node.s)):
            at = line + node.s[: opened.start()].count("\n")
            problems.add(Problem(part, at, f"'{opened.group(0)}' is never closed"))
        for expression in _walk(node, set()):
            for name in _names(expression):
                if name not in VARIABLES:
                    problems.add(
                        Problem(
                            part,
                            line,
                            f"unknown variable '{name}'; use one of {', '.join(VARIABLES)}",
                        )
                    )
    return sorted(problems, key=lambda p: (p.line, p.message))


def compile_template(source: str) -> Template:
    return Template(source, engine=sandbox())


def personal_context(
    *, contact: Any, unsubscribe_url: str = "", preferences_url: str = ""
) -> dict[str, Any]:
    """The values a template can read, as plain dicts (no model methods are reachable)."""
    account = getattr(contact, "account", None)
    return {
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "title": contact.title,
        },
        "account": {
            "name": account.name if account else "",
            "industry": account.industry if account else "",
        },
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }


def render(template: Template, values: dict[str, Any], *, html: bool) -> str:
    return template.render(Context(values, autoescape=html))


def footer_add(body: str, seller: Seller, *, html: bool) -> str:
    """``body`` with the seller's name and postal address at its foot: the sender's physical
    address is what CAN-SPAM asks of every marketing message. Unchanged when none is set."""
    lines = seller.postal_lines
    if not lines:
        return body
    if not html:
        return body.rstrip("\n") + "\n\n" + " · ".join(lines) + "\n"
    footer = (
        '<p style="font-size: 12px; color: #555">'
        + " · ".join(html_escape(line) for line in lines)
        + "</p>"
    )
    return body.replace("</body>", footer + "</body>", 1) if "</body>" in body else body + footer


HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


def links_of(html: str) -> list[str]:
    """The http(s) links of an HTML body, as written (HTML entities undone)."""
    return [
        unescape(m.group(3)).strip()
        for m in HREF.finditer(html)
        if unescape(m.group(3)).strip().lower().startswith(("http://", "https://"))
    ]


def links_wrap(html: str, wrap: Any, *, keep: set[str]) -> str:
    """``html`` with each http(s) link replaced by ``wrap(url)``, except those in ``keep``."""

    def replace(match: re.Match) -> str:
        url = unescape(match.group(3)).strip()
        if not url.lower().startswith(("http://", "https://")) or url in keep:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{html_escape(wrap(url))}{match.group(2)}"

    return HREF.sub(replace, html)
