"""WSGI entry point in a checkout: gunicorn 'wsgi:app' (installed: 'portal.wsgi:app')."""

from portal.wsgi import app

__all__ = ["app"]
