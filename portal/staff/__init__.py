"""The support staff's side: login, the queue, case handling, and admin pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.staff import (  # noqa: E402,F401
    admin,
    auth_views,
    case_views,
    desk_views,
    export_views,
    file_views,
    guards,
    notice_views,
    outbox_views,
    queue_views,
    stats_views,
    target_views,
)

bp.register_blueprint(admin_bp)
