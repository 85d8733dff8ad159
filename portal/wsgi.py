"""WSGI entry point of an installed portal: gunicorn 'portal.wsgi:app'.

Migrations run from the CLI (`flask --app portal db upgrade`), never in a web worker, so the
workers leave Flask-Migrate (and Alembic, Mako, Pygments: about 11 MB each) unloaded.
"""

from portal import create_app

app = create_app({"PORTAL_MIGRATIONS": False})
