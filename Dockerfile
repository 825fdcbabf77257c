# The production image of TTHC Tracker: gunicorn serving config.settings.production, static files
# by WhiteNoise. The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. Every version is pinned in
# requirements/constraints.txt; psycopg[binary] ships libpq, so no compiler or system library.
COPY requirements/ requirements/
RUN pip install -r requirements/production.txt

COPY . .

# Translations (.po -> .mo with Babel, no GNU gettext) and static files are built into the image.
# The SECRET_KEY here only lets the production settings load for collectstatic; the running
# containers must be given the real one (docker-compose.yml refuses to start without it).
RUN for domain in django djangojs; do \
        if ls locale/*/LC_MESSAGES/$domain.po >/dev/null 2>&1; then \
            pybabel -q compile --use-fuzzy -d locale -D $domain || exit 1; \
        fi; \
    done \
    && SECRET_KEY=build-time-only-not-a-secret python manage.py collectstatic --no-input --verbosity 0

RUN useradd --system --uid 10001 --no-create-home --home-dir /app tthc
USER tthc

EXPOSE 8000
# Migrations run once at start-up of the web service (docker-compose.yml), not here.
# gunicorn reads the number of workers from WEB_CONCURRENCY.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
