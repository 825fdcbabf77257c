"""Production: every secret from the environment, HTTPS-aware, static files by WhiteNoise."""

from config.env import env_bool, env_int, env_required, env_str

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_required("SECRET_KEY")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
# X-Forwarded-Proto says whether the client used HTTPS; it is believed only when the operator says
# that every request comes through our own proxy, which sets it (docker-compose.yml publishes
# only the proxy). Believed from anyone, a client could claim HTTPS over plain HTTP.
TTHC_TRUST_X_FORWARDED_PROTO = env_bool("TTHC_TRUST_X_FORWARDED_PROTO", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TTHC_TRUST_X_FORWARDED_PROTO else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
# Deliberate (README, "Production"): HSTS covers this host only, and is not submitted to the
# browsers' preload list. The ministry's other sites under the same domain are not ours to force
# onto HTTPS, and preloading cannot be undone quickly.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"] + ([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"])
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
# E-mail through the ministry's mail server (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, … in base.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
