"""The HTTP API: a thin FastAPI layer over the domain functions (create_app in app.py)."""
