"""Settings for the test suite: the same database and Redis choice as local, faster hashing."""

from .local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "vi"
# Tasks called in tests run in-process; the one real-worker test switches this off for itself.
CELERY_TASK_ALWAYS_EAGER = True
# SMS are kept in notifications.sms.MemorySmsBackend.outbox; e-mails in django.core.mail.outbox.
TTHC_SMS_BACKEND = "notifications.sms.MemorySmsBackend"
