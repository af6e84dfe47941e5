"""The API's documentation pages, Swagger UI and ReDoc, served with their assets from this API (the package
fastapi-offline ships them), so /api/v1/docs works with no network and under a strict Content-Security-Policy."""
from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

OWN_ASSETS = Path(__file__).with_name("static")


def vendor_assets() -> Path:
    """swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js and favicon.png as the package ships them."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).with_name("static")


class _Assets(StaticFiles):
    """Our own init script first, then the vendored bundles."""

    def __init__(self) -> None:
        super().__init__(directory=str(vendor_assets()))
        self.all_directories = [str(OWN_ASSETS), str(vendor_assets())]


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>{head}</head>
<body>{body}</body></html>""")


def add_docs(app: FastAPI, prefix: str) -> None:
    """GET {prefix}/docs (Swagger UI), {prefix}/docs/redoc (ReDoc), assets under {prefix}/docs/static/."""
    static = f"{prefix}/docs/static"
    openapi = html.escape(app.openapi_url or f"{prefix}/openapi.json", quote=True)
    app.mount(static, _Assets(), name="docs-static")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(f"{app.title} – Swagger UI",
                     f'<link rel="stylesheet" href="{static}/swagger-ui.css">'
                     f'<link rel="icon" href="{static}/favicon.png">',
                     f'<div id="swagger-ui" data-openapi="{openapi}"></div>'
                     f'<script src="{static}/swagger-ui-bundle.js"></script>'
                     f'<script src="{static}/swagger-init.js"></script>')

    @app.get(f"{prefix}/docs/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(f"{app.title} – ReDoc", f'<link rel="icon" href="{static}/favicon.png">',
                     f'<redoc spec-url="{openapi}"></redoc><script src="{static}/redoc.standalone.js"></script>')
