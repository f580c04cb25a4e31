"""Security headers on every answer: a Content-Security-Policy with no inline script, nosniff,
Referrer-Policy, no framing (but the hosted form, made to be embedded), HSTS over https."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[2] / "tandem" / "templates"


def _policy(response) -> dict[str, str]:
    parts = [p.strip() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] for p in parts}


def test_a_signed_in_page_carries_every_security_header(cast):
    client = Client()
    client.force_login(cast.sales_rep)

    page = client.get("/sales/")

    assert page.status_code == 200
    policy = _policy(page)
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in page["Content-Security-Policy"]
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Frame-Options"] == "DENY"


def test_the_api_and_the_login_page_carry_it_too(cast):
    assert "script-src 'self'" in Client().get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in Client().get("/api/v1/contacts")["Content-Security-Policy"]


def test_the_hosted_form_may_be_framed_by_other_sites(lead_form):
    page = Client().get(f"/f/{lead_form.slug}/")

    assert page.status_code == 200
    policy = _policy(page)
    assert "frame-ancestors" not in policy
    assert policy["script-src"] == "'self'"
    assert "X-Frame-Options" not in page


def test_hsts_over_https_in_production_settings(cast, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    page = Client().get("/login/", secure=True)

    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_runs_inline_script(template):
    text = template.read_text()
    inline = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", text)
        if "src=" not in tag and 'type="application/json"' not in tag
    ]
    assert inline == [], "inline <script>: the policy blocks it; use a static file"
    handlers = re.findall(r"\son[a-z]+\s*=\s*[\"']", text)
    assert handlers == [], "inline event handlers: the policy blocks them; use a static file"
    assert "javascript:" not in text
