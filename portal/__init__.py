"""Digital sex crime report & support portal (디지털 성범죄 피해 신고·지원)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import MIGRATIONS_DIR, load_config, resource_dir


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Wire configuration, extensions, blueprints, commands, errors and headers.

    No side effects beyond wiring: no migrations, no network, no prompts.
    """
    resources = resource_dir()  # the checkout's top-level folders, or the wheel's copies
    app = Flask(
        __name__,
        instance_relative_config=False,
        template_folder=str(resources / "templates"),
        static_folder=str(resources / "static"),
    )
    app.config.update(load_config())
    if overrides:
        app.config.update(overrides)
    app.instance_path = app.config["PORTAL_INSTANCE_DIR"]
    _check_platform_settings(app.config)

    hops = app.config["PORTAL_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    from portal.extensions import csrf, db, login_manager
    from portal.security import crypto
    from portal.web import (
        audit_sequencer,
        bodies,
        errors,
        head_requests,
        headers,
        hotlines,
        i18n,
        limits,
        logs,
        surfaces,
    )

    crypto.init_app(app)
    logs.init_app(app)
    db.init_app(app)
    if app.config.get("PORTAL_MIGRATIONS", True):
        # Web workers (wsgi.py) skip this: Alembic, Mako and Pygments cost ~11 MB each.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS_DIR))
    surfaces.init_app(app)  # first: the other surface's routes do not exist here
    head_requests.init_app(app)
    bodies.init_app(app)  # before CSRF, whose check reads the body the same way
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    hotlines.init_app(app)
    audit_sequencer.init_app(app)

    from portal import models  # noqa: F401  (register tables with the metadata)
    from portal.public import bp as public_bp
    from portal.staff import bp as staff_bp
    from portal.web.health import bp as health_bp
    from portal.web.templating import init_app as init_templating

    init_templating(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(staff_bp)

    from portal.cli import init_app as init_cli

    init_cli(app)
    return app


def _check_platform_settings(config: Mapping[str, Any]) -> None:
    """A per-platform setting for a platform that does not exist is a typo: say so at start."""
    from portal.config import ConfigError
    from portal.links.platforms import PLATFORMS

    unknown = sorted(set(config["PORTAL_ESCALATE_AFTER_DAYS"]) - {"*", *PLATFORMS})
    if unknown:
        names = ", ".join("PORTAL_ESCALATE_AFTER_DAYS_" + code.upper() for code in unknown)
        known = ", ".join(code.upper() for code in PLATFORMS)
        raise ConfigError(f"{names}: no such platform; the platforms are {known}")
