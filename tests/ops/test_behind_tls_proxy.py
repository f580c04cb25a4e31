"""Tandem in production mode behind a real TLS reverse proxy (Debian's nginx) on loopback,
with a self-signed certificate: sign in, post a form, read a page, all over https.

It skips only where nginx is not installed and TANDEM_REQUIRE_BROWSER is not set; CI sets it
(and installs nginx-light), so there it always runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.serving import PASSWORD, clean_env, served, wait_for
from tests.smtp import free_port

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)), None
)

NGINX_CONF = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {tmp}/access.log;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {tmp}/cert.pem;
    ssl_certificate_key {tmp}/key.pem;
    location / {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
  }}
}}
"""


def _self_signed(folder: Path) -> Path:
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S607
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "cert.pem"


@pytest.fixture
def nginx_in_front(tmp_path):
    if NGINX is None:
        if os.environ.get("TANDEM_REQUIRE_BROWSER") == "1":
            pytest.fail("nginx is not installed (apt-get install nginx-light); CI needs it")
        pytest.skip("nginx is not installed; set TANDEM_REQUIRE_BROWSER=1 to make this an error")
    proxy_dir = tmp_path / "nginx"
    proxy_dir.mkdir()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (proxy_dir / sub).mkdir()
    cert = _self_signed(proxy_dir)
    port, backend = free_port(), free_port()
    conf = proxy_dir / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, tmp=proxy_dir, port=port, backend=backend))
    nginx = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(proxy_dir), "-e", str(proxy_dir / "error.log"), "-c", str(conf),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield f"https://localhost:{port}", backend, cert
    finally:
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_sign_in_post_a_form_and_read_a_page_over_https(nginx_in_front, data_folder, tmp_path):
    public, backend, cert = nginx_in_front
    env = clean_env(
        TANDEM_MODE="production",
        TANDEM_DATA_DIR=str(data_folder),
        DATABASE_URL=f"sqlite:///{data_folder / 'tandem.sqlite3'}",
        TANDEM_SECRET_KEY="proxy-test-" + "k" * 50,
        TANDEM_ALLOWED_HOSTS="localhost",
        TANDEM_EMAIL_URL="console:",
        TANDEM_DEFAULT_FROM_EMAIL="tandem@example.com",
        TANDEM_BASE_URL=public,
        TANDEM_TRUSTED_PROXIES="127.0.0.1,::1",
    )
    log = tmp_path / "serve.log"
    args = ["--port", str(backend), "--no-migrate", "--no-worker", "--no-clock"]
    with served(args, env=env, log=log):
        assert wait_for(f"{public}/login/", seconds=180, context=_tls(cert)) == 200, log.read_text()
        browser = requests.Session()
        browser.trust_env = False  # no CA bundle or proxy from the environment
        browser.verify = str(cert)

        # sign in: the proxy's https is believed, so no redirect loop and the origin matches
        login_page = browser.get(f"{public}/login/", timeout=10)
        assert login_page.status_code == 200
        assert login_page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "script-src 'self'" in login_page.headers["Content-Security-Policy"]
        signed_in = browser.post(
            f"{public}/login/",
            data={"username": "sam", "password": PASSWORD,
                  "csrfmiddlewaretoken": _token(login_page.text)},
            headers={"Origin": public, "Referer": f"{public}/login/"},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert signed_in.status_code == 302, signed_in.text[:2000]
        assert signed_in.headers["Location"] == "/"
        session_cookie = next(c for c in browser.cookies if c.name == "sessionid")
        assert session_cookie.secure

        # read a page: the sales rep's home, through the redirect from /
        home = browser.get(f"{public}/", timeout=10)
        assert home.status_code == 200
        assert home.url == f"{public}/sales/"
        assert "sam" in home.text

        # post a form: issue an API token, then read it on the tokens page
        tokens = browser.get(f"{public}/tokens/", timeout=10)
        issued = browser.post(
            f"{public}/tokens/",
            data={"name": "Through the proxy", "csrfmiddlewaretoken": _token(tokens.text)},
            headers={"Origin": public, "Referer": f"{public}/tokens/"},
            timeout=10,
        )
        assert issued.status_code == 200
        assert "tdm_" in issued.text
        assert "Through the proxy" in browser.get(f"{public}/tokens/", timeout=10).text

        # straight to the server, past the proxy, plain http is sent to https
        direct = requests.get(
            f"http://127.0.0.1:{backend}/login/",
            headers={"Host": "localhost"}, allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert direct.status_code == 301
        assert direct.headers["Location"] == "https://localhost/login/"


def _tls(cert: Path):
    import ssl

    return ssl.create_default_context(cafile=str(cert))


def test_the_proxy_test_is_not_left_waiting(nginx_in_front):
    # nginx itself answers (502 while no Tandem is behind it): the proxy side works alone.
    public, _, cert = nginx_in_front
    assert wait_for(f"{public}/", seconds=20, waiting=(), context=_tls(cert)) == 502
