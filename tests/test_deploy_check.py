"""Issue 14, item 13: the production settings pass Django's deployment checks with the README's values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        # Settings of the deployment under test only (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "TTHC_TRUST", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tthc.example.gov.vn",
        **overrides,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_defaults():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (2 silenced)" in result.stdout


def test_the_forwarded_scheme_is_believed_only_when_the_operator_says_so():
    show = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 60}
    base.pop("TTHC_TRUST_X_FORWARDED_PROTO", None)
    default = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show], cwd=ROOT, env=base, capture_output=True, text=True
    )
    trusted = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env={**base, "TTHC_TRUST_X_FORWARDED_PROTO": "true"},
        capture_output=True,
        text=True,
    )
    assert default.stdout.strip().splitlines()[-1] == "None", default.stderr
    assert trusted.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')", trusted.stderr


def test_compose_publishes_only_the_proxy():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["web"]["environment"]["TTHC_TRUST_X_FORWARDED_PROTO"] == "true"
