"""Test settings: Tandem's own settings with fast hashing, in-process email and tasks."""

import os
import tempfile

os.environ.setdefault("TANDEM_DATA_DIR", os.path.join(tempfile.gettempdir(), "tandem-tests"))

from tandem.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)

# Give each test run its own PostgreSQL database so parallel runs on one server don't collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_tandem_{os.getpid()}"}  # noqa: F405
