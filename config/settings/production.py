"""Production: every secret from the environment, HTTPS-aware, static files by WhiteNoise."""

from config.env import env_bool, env_int, env_required, env_str

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_required("SECRET_KEY")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)  # usually done by the reverse proxy
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
# E-mail through the ministry's mail server (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, … in base.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
