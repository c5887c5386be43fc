"""Static files: our assets and plotly.js from the plotly package, cached well."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def test_plotly_js_is_served_from_the_plotly_package(api: Any) -> None:
    from trialbook.ui.routes_static import plotly_path, plotly_url

    response = api.get(plotly_url())
    assert response.status_code == 200
    assert response.content == plotly_path().read_bytes()
    assert "immutable" in response.headers["cache-control"]


def test_plotly_js_of_another_version_is_not_found(api: Any) -> None:
    assert api.get("/static/ui/plotly-0.0.0.min.js").status_code == 404


def test_pages_link_plotly_by_its_versioned_url(api: Any) -> None:
    from trialbook.ui.routes_static import plotly_url

    assert f'data-plotly="{plotly_url()}"' in api.get("/").text


def test_assets_revalidate_by_etag(api: Any) -> None:
    first = api.get("/static/ui/app.css")
    again = api.get("/static/ui/app.css", headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304


def test_assets_with_their_digest_are_cached_for_a_year(api: Any) -> None:
    from trialbook.ui.routes_static import static_url

    response = api.get(static_url("runs.js"))
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]


def test_unknown_assets_are_not_found(api: Any) -> None:
    assert api.get("/static/ui/..%2Fapp.py").status_code == 404
    assert api.get("/static/ui/nope.js").status_code == 404


def test_json_is_gzipped_for_clients_that_accept_it(api: Any, populated: Any) -> None:
    response = api.get(
        f"/api/ui/experiments/{populated.experiment}/runs", headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"


def test_every_static_file_is_package_data() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    from trialbook.ui.routes_static import STATIC_DIR

    root = Path(__file__).parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["trialbook.ui"]
    assert patterns == ["templates/*.html", "static/*"]
    assert all(p.is_file() for p in STATIC_DIR.iterdir())


def test_importing_the_ui_package_loads_no_web_framework() -> None:
    code = "import sys, trialbook.ui; print('fastapi' in sys.modules or 'jinja2' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_serve_runs_uvicorn_with_the_host_and_port(monkeypatch: Any, isolated_store: Path) -> None:
    import uvicorn

    from trialbook.ui import serve

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    serve(str(isolated_store), host="0.0.0.0", port=5123)
    assert calls == [{"host": "0.0.0.0", "port": 5123, "log_level": "warning"}]
