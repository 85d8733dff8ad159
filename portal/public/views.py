"""Victim pages that only inform: home and the privacy notice."""

from __future__ import annotations

from flask import current_app, render_template

from portal.public import bp


@bp.get("/")
def home() -> str:
    return render_template("public/home.html")


@bp.get("/privacy")
def privacy() -> str:
    return render_template(
        "public/privacy.html",
        retention_days=current_app.config["PORTAL_RETENTION_DAYS"],
        privacy_officer=current_app.config["PORTAL_PRIVACY_OFFICER"],
    )
