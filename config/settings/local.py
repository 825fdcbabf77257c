"""The embedded default for a laptop: SQLite, eager Celery, DEBUG on unless told otherwise."""

from config.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
# Only safe because this module is never used in production (config.settings.production is).
SECRET_KEY = env_str("SECRET_KEY", "") or "dev-only-insecure-key-do-not-use-in-production"
