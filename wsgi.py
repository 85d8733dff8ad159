"""WSGI entry point: gunicorn 'wsgi:app'."""

from portal import create_app

# Migrations run from the CLI (`flask --app portal db upgrade`), never in a web worker.
app = create_app({"PORTAL_MIGRATIONS": False})
