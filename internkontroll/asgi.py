"""ASGI entry point for uvicorn: `internkontroll.asgi:app`."""

from internkontroll.app import create_app

app = create_app()
