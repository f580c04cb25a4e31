"""Django settings for Tandem. Everything comes from the environment (see ``tandem.config``)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from tandem import config

BASE_DIR = Path(__file__).resolve().parent
PRODUCTION = config.is_production()
if PRODUCTION:
    config.check_production_settings()

DATA_DIR = config.data_dir()
SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("TANDEM_DEBUG", default=False)
ALLOWED_HOSTS = config.env_list("TANDEM_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
BASE_URL = config.env("TANDEM_BASE_URL", "http://127.0.0.1:8000")
# Forms posted from the public address (behind a proxy, the browser's origin) pass the CSRF
# origin check; more origins may be added.
CSRF_TRUSTED_ORIGINS = config.origins(BASE_URL, config.env_list("TANDEM_CSRF_TRUSTED_ORIGINS"))
# Reverse proxies whose X-Forwarded-Proto/-Host/-For are believed (addresses or CIDR networks);
# from any other peer those headers are ignored (tandem.access.proxy).
TANDEM_TRUSTED_PROXIES = config.env_list("TANDEM_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "anymail",
    "tandem.access",
    "tandem.audit",
    "tandem.people",
    "tandem.fields",
    "tandem.marketing",
    "tandem.segments",
    "tandem.mailing",
    "tandem.handoff",
    "tandem.sales",
    "tandem.orders",
    "tandem.dashboards",
    "tandem.reports",
    "tandem.collaboration",
    "tandem.imports",
    "tandem.webhooks",
    "tandem.exports",
    "tandem.privacy",
    "tandem.demo",
    "tandem.ops",
]

MIDDLEWARE = [
    "tandem.access.proxy.TrustedProxyMiddleware",
    "tandem.ops.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tandem.ops.middleware.InputHygieneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.access.context_processors.workspace",
                "tandem.collaboration.context_processors.inbox",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        config.env("DATABASE_URL", _default_sqlite) or _default_sqlite, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_BUSY_MS = int(config.env("TANDEM_SQLITE_BUSY_MS", "5000") or "5000")
    # The database, its -wal and -shm (SQLite gives them the database file's mode) are private.
    config.private_file(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers work while the worker writes; IMMEDIATE avoids lock upgrades failing
    # mid-transaction when two writers meet. A 64 MB page cache per connection (SQLite's
    # default is 2 MB, a few index pages of a million-contact database) keeps a touch's
    # inserts into the touch, move and audit indexes from rereading pages; memory is taken
    # only as pages are read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_BUSY_MS}; PRAGMA cache_size=-65536;"
        ),
        # How long a connection waits for a writer before "database is locked" (SQLite retries
        # with backoff in that time); the request then answers 503 with Retry-After.
        "timeout": SQLITE_BUSY_MS / 1000,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": config.env("TANDEM_TEST_SQLITE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": config.env("TANDEM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = config.env("TANDEM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# API lists: one request never returns a whole table.
NINJA_PAGINATION_MAX_LIMIT = 500

# Oversized bodies are refused before any view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

globals().update(config.email_settings(config.env("TANDEM_EMAIL_URL")))
# A mail provider's API through django-anymail (TANDEM_EMAIL_URL=anymail://postmark): its keys
# and the webhooks' secret come from ANYMAIL_* variables (see tandem.config.anymail_settings).
ANYMAIL = config.anymail_settings()
DEFAULT_FROM_EMAIL = config.env("TANDEM_DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # Behind a TLS proxy the scheme comes from X-Forwarded-Proto, believed only from
    # TANDEM_TRUSTED_PROXIES (tandem.access.proxy), not from Django's SECURE_PROXY_SSL_HEADER.
    SECURE_SSL_REDIRECT = config.env_bool("TANDEM_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(config.env("TANDEM_HSTS_SECONDS", "31536000") or "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Public endpoints are rate limited per client address (see tandem.access.ratelimit); sign-in
# failures on every door per address and username, per address, and per username (slower, so
# one address can never lock a person out), and bad API tokens per address (tandem.access.login).
TANDEM_LOGIN_FAILURES_ALLOWED = int(config.env("TANDEM_LOGIN_FAILURES_ALLOWED", "5") or "5")
TANDEM_LOGIN_LOCKOUT_SECONDS = int(config.env("TANDEM_LOGIN_LOCKOUT_SECONDS", "900") or "900")
TANDEM_LOGIN_ADDRESS_FAILURES = int(config.env("TANDEM_LOGIN_ADDRESS_FAILURES", "20") or "20")
TANDEM_LOGIN_USER_FAILURES = int(config.env("TANDEM_LOGIN_USER_FAILURES", "50") or "50")
TANDEM_TOKEN_FAILURES_ALLOWED = int(config.env("TANDEM_TOKEN_FAILURES_ALLOWED", "20") or "20")
TANDEM_FORM_SUBMISSIONS_PER_HOUR = int(config.env("TANDEM_FORM_SUBMISSIONS_PER_HOUR", "30") or "30")
# Marketing: a hosted form sent back sooner than this (seconds; 0 = off, 2 suggested) is a bot's;
# tracked page visits per hour per address.
TANDEM_FORM_MIN_SECONDS = float(config.env("TANDEM_FORM_MIN_SECONDS", "0") or "0")
TANDEM_VISITS_PER_HOUR = int(config.env("TANDEM_VISITS_PER_HOUR", "600") or "600")
# Days an anonymous visit (never joined to a contact) is kept: see ``marketing.retention``.
TANDEM_TRACKING_RETENTION_DAYS = int(config.env("TANDEM_TRACKING_RETENTION_DAYS", "395") or "395")

# Offer policy (tandem.orders): a deal line's discount above the review threshold opens a fit
# review; above the maximum it is refused. Per cent.
TANDEM_DISCOUNT_REVIEW_PERCENT = config.env("TANDEM_DISCOUNT_REVIEW_PERCENT", "15") or "15"
TANDEM_DISCOUNT_MAX_PERCENT = config.env("TANDEM_DISCOUNT_MAX_PERCENT", "30") or "30"

# Outbound webhooks (tandem.webhooks): private, loopback and link-local receivers are refused
# (SSRF) unless the administrator allows them here.
WEBHOOKS_ALLOW_PRIVATE = config.env_bool("TANDEM_WEBHOOKS_ALLOW_PRIVATE", default=False)

# The company that sells (tandem.core.seller): named on quote PDFs and in marketing emails'
# footer (the postal address CAN-SPAM asks for). Empty by default, so nothing names a seller
# that nobody configured; the logo is drawn on quotes when its file exists.
TANDEM_SELLER_NAME = config.env("TANDEM_SELLER_NAME", "") or ""
TANDEM_SELLER_ADDRESS = config.env_lines("TANDEM_SELLER_ADDRESS")
TANDEM_SELLER_TAX_ID = config.env("TANDEM_SELLER_TAX_ID", "") or ""
TANDEM_SELLER_LOGO = config.env("TANDEM_SELLER_LOGO", "") or ""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": config.env("TANDEM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Marketing email (tandem.mailing): the default pace of a send, the sender, and the limit on the
# public tracking and unsubscribe links (hits per client address per minute).
TANDEM_MAIL_RATE_PER_SECOND = float(config.env("TANDEM_MAIL_RATE_PER_SECOND", "20") or "20")
TANDEM_MAIL_FROM = config.env("TANDEM_MAIL_FROM", "")
# SMTP connections a batch uses at once (threads); more hide the server's reply latency.
TANDEM_MAIL_CONNECTIONS = int(config.env("TANDEM_MAIL_CONNECTIONS", "4") or "4")
TANDEM_MAIL_LINK_HITS_PER_MINUTE = int(
    config.env("TANDEM_MAIL_LINK_HITS_PER_MINUTE", "120") or "120"
)
