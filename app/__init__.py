"""glpi-scim-bridge: a SCIM 2.0 service provider in front of GLPI's REST API."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from flask import Flask

__version__ = "0.1.0"

#: Builds the storage of one tenant: ``factory(tenant_config, app_config) -> Storage``.
StorageFactory = Callable[[dict, dict], Any]


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    storage_factory: StorageFactory | None = None,
) -> Flask:
    """Build the WSGI application.

    :param config: a configuration mapping (validated here); when None it is
        loaded from ``$GLPISCIM_CONFIG`` and the environment.
    :param storage_factory: builds each tenant's storage; the GLPI backend by
        default. Tests pass an in-memory storage.
    """
    from app.config import load_config
    from app.config import validate_config

    settings = validate_config(config) if config is not None else load_config()
    app = Flask(__name__)
    app.config["BRIDGE"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings["server"]["max_body_bytes"]

    from app import activity
    from app import admin
    from app import oauth
    from app import ops
    from app import tenants
    from app.scim.endpoint import error_handlers as handlers
    from app.scim.endpoint import routes

    ops.init_app(app)
    oauth.init_app(app)
    tenants.init_app(app, storage_factory or _glpi_storage_factory)
    activity.init_app(app)
    handlers.init_app(app)
    routes.init_app(app)
    admin.init_app(app)
    return app


def _glpi_storage_factory(tenant: dict, settings: dict) -> Any:
    from app.glpi.backend import GlpiBackend

    return GlpiBackend.from_config(tenant, settings)
