"""The SCIM 2.0 endpoint under ``/scim/v2``: one short view per (resource, verb).

Every request is authenticated first (:func:`app.scim.endpoint.auth.authenticate_request`).
Unknown query parameters are ignored on every route: Entra appends
``?aadOptscim062020`` when the flag is set in the tenant URL. Unknown paths,
and methods a route does not serve (405, e.g. writes on discovery
endpoints), are answered with SCIM Error bodies by :mod:`app.scim.endpoint.error_handlers`.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response

from app.scim.constants import GROUP
from app.scim.constants import USER
from app.scim.endpoint import discovery
from app.scim.endpoint.auth import TENANT_BLUEPRINT
from app.scim.endpoint.auth import authenticate_request
from app.scim.endpoint.auth import give_url_tenant
from app.scim.endpoint.auth import take_url_tenant
from app.scim.endpoint.bulk import process_bulk
from app.scim.endpoint.patch_request import patch_resource
from app.scim.endpoint.root_search import search_root
from app.scim.endpoint.service import create_resource
from app.scim.endpoint.service import delete_resource
from app.scim.endpoint.service import get_resource
from app.scim.endpoint.service import list_resources
from app.scim.endpoint.service import max_results
from app.scim.endpoint.service import query_params
from app.scim.endpoint.service import replace_resource
from app.scim.endpoint.service import search_params
from app.scim.errors import NotImplementedSCIMError

BASE_PATH = "/scim/v2"

#: The same routes under a tenant prefix, for IdPs that want one URL per tenant.
TENANT_PATH = f"{BASE_PATH}/t/<tenant>"

bp = Blueprint("scim", __name__, url_prefix=BASE_PATH)
bp.url_value_preprocessor(take_url_tenant)
bp.url_defaults(give_url_tenant)
bp.before_request(authenticate_request)

ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@bp.get("/Users", strict_slashes=False)
def list_users() -> Response:
    return list_resources(USER, query_params())


@bp.post("/Users/.search")
def search_users() -> Response:
    return list_resources(USER, search_params())


@bp.get("/Users/<user_id>")
def get_user(user_id: str) -> Response:
    return get_resource(USER, user_id)


@bp.post("/Users", strict_slashes=False)
def create_user() -> Response:
    return create_resource(USER)


@bp.put("/Users/<user_id>")
def replace_user(user_id: str) -> Response:
    return replace_resource(USER, user_id)


@bp.patch("/Users/<user_id>")
def patch_user(user_id: str) -> Response:
    return patch_resource(USER, user_id)


@bp.delete("/Users/<user_id>")
def delete_user(user_id: str) -> Response:
    return delete_resource(USER, user_id)


@bp.get("/Groups", strict_slashes=False)
def list_groups() -> Response:
    return list_resources(GROUP, query_params())


@bp.post("/Groups/.search")
def search_groups() -> Response:
    return list_resources(GROUP, search_params())


@bp.get("/Groups/<group_id>")
def get_group(group_id: str) -> Response:
    return get_resource(GROUP, group_id)


@bp.post("/Groups", strict_slashes=False)
def create_group() -> Response:
    return create_resource(GROUP)


@bp.put("/Groups/<group_id>")
def replace_group(group_id: str) -> Response:
    return replace_resource(GROUP, group_id)


@bp.patch("/Groups/<group_id>")
def patch_group(group_id: str) -> Response:
    return patch_resource(GROUP, group_id)


@bp.delete("/Groups/<group_id>")
def delete_group(group_id: str) -> Response:
    return delete_resource(GROUP, group_id)


@bp.post("/.search")
def search_all() -> Response:
    return search_root(search_params())


@bp.get("/ServiceProviderConfig", strict_slashes=False)
def get_service_provider_config() -> Response:
    return discovery.get_service_provider_config(max_results())


@bp.get("/ResourceTypes", strict_slashes=False)
def list_resource_types() -> Response:
    return discovery.list_resource_types()


@bp.get("/ResourceTypes/<name>")
def get_resource_type(name: str) -> Response:
    return discovery.get_resource_type(name)


@bp.get("/Schemas", strict_slashes=False)
def list_schemas() -> Response:
    return discovery.list_schemas()


@bp.get("/Schemas/<urn>")
def get_schema(urn: str) -> Response:
    return discovery.get_schema(urn)


@bp.route("/Me", methods=ANY_METHOD, strict_slashes=False)
def me() -> Response:
    """RFC 7644 §3.11: "If the service provider does not support the /Me
    authenticated subject URI alias, the server SHOULD respond with HTTP
    status code 501 (Not Implemented)". A bearer token stands for an IdP,
    not for a GLPI user, so there is no subject to alias."""
    raise NotImplementedSCIMError("The /Me endpoint is not supported.")


@bp.post("/Bulk", strict_slashes=False)
def bulk() -> Response:
    return process_bulk()


def init_app(app: Flask) -> None:
    """Register the SCIM blueprint on ``app``, at ``/scim/v2`` and under the tenant prefix."""
    app.register_blueprint(bp)
    app.register_blueprint(bp, url_prefix=TENANT_PATH, name=TENANT_BLUEPRINT)
