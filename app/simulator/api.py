"""WSGI app of the simulator: GLPI's ``apirest.php`` (and ``api.php/v1`` on 11).

Pipeline as in ``APIRest::call()``: parse parameters (query, then body wins),
check the App-Token on every call, then the Session-Token except for
``initSession``, then dispatch on the resource name.
"""

from __future__ import annotations

import base64
import hmac
import random
import time

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from app.simulator import crud
from app.simulator import schema
from app.simulator.context import Context
from app.simulator.context import to_int
from app.simulator.http import ApiError
from app.simulator.http import error_response
from app.simulator.http import flag
from app.simulator.http import json_response
from app.simulator.http import parse_body
from app.simulator.http import parse_query
from app.simulator.search import endpoints as search_api
from app.simulator.state import CallRecord
from app.simulator.state import Session
from app.simulator.state import Simulator
from app.simulator.state import hash_password
from app.simulator.state import now_text

_RIGHTS_DETAIL = {
    4: (7327, 119, 3327),
    3: (7327, 119, 3327),
    6: (1055, 1, None),
    1: (None, None, None),
}
_SESSION_RESOURCES = (
    "initSession",
    "killSession",
    "getMyProfiles",
    "getActiveProfile",
    "changeActiveProfile",
    "getMyEntities",
    "getActiveEntities",
    "changeActiveEntities",
    "getFullSession",
    "getGlpiConfig",
)


class SimulatorApp:
    """The WSGI callable; ``sim`` is the shared :class:`Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        started = time.perf_counter()
        response = self.handle(request)
        self.sim.record_call(
            CallRecord(
                request.method,
                request.path,
                request.query_string.decode("latin-1"),
                response.status_code,
                (time.perf_counter() - started) * 1000.0,
            )
        )
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Serve one call, through the fault aimed at it by :meth:`Simulator.fail_next`."""
        rule = self.sim.take_fault(request.method, request.path)
        if rule is not None and rule.when == "before":
            time.sleep(rule.delay_ms / 1000.0)
            if rule.status is not None:
                return Response("Internal Server Error", status=rule.status)
        response = self.serve(request)
        if rule is not None and rule.when == "after":
            time.sleep(rule.delay_ms / 1000.0)
            if rule.status is not None:
                return Response("Internal Server Error", status=rule.status)
        return response

    def serve(self, request: Request) -> Response:
        """Apply latency and random faults, then answer (``apirest.php``; 11: ``api.php/v1``)."""
        sim = self.sim
        delay = sim.latency_ms + sim.faults.delay_ms
        if delay > 0:
            time.sleep(delay / 1000.0)
        if sim.faults.error_rate > 0 and random.random() < sim.faults.error_rate:
            return Response("Internal Server Error", status=sim.faults.error_status)
        base = f"{request.scheme}://{request.host}"
        api_url = base + ("/api.php/v1" if sim.version == "11" else "/apirest.php")
        path = request.path
        if path.startswith("/apirest.php"):
            rest = path[len("/apirest.php") :]
        elif sim.version == "11" and path.startswith("/api.php/v1"):
            rest = path[len("/api.php/v1") :]
        else:
            return Response("Not Found", status=404)
        parts = [part for part in rest.split("/") if part != ""]
        try:
            with sim.lock:
                if request.method != "GET":
                    sim.generation += 1
                return self.dispatch(request, parts, api_url)
        except ApiError as error:
            return error_response(error, api_url)

    def dispatch(self, request: Request, parts: list[str], api_url: str) -> Response:
        """Check tokens and route on the resource name, as ``APIRest::call()`` does."""
        if not parts:
            return Response(
                '\n<!DOCTYPE html>\n<html lang="en"><head><title>API Documentation'
                "</title></head><body></body></html>",
                status=200,
                content_type="text/html; charset=UTF-8",
            )
        params = parse_query(request)
        body = parse_body(request)
        params.update(body)
        self.check_app_token(request, params)
        resource = parts[0]
        if resource.lower() == "initsession":
            return self.init_session(request, params)
        session, token = self.check_session(request, params)
        handler = getattr(self, "r_" + resource, None) if resource in _SESSION_RESOURCES else None
        if handler is not None:
            return handler(session, token, params, request)
        ctx = Context(self.sim, session, params, api_url, request)
        if resource == "listSearchOptions":
            return search_api.list_options(ctx, parts[1:])
        if resource == "search":
            return search_api.search(ctx, parts[1:])
        if resource == "getMultipleItems":
            return crud.get_multiple_items(ctx)
        return crud.item_endpoint(ctx, parts)

    # -- authentication ---------------------------------------------------------------------

    def check_app_token(self, request: Request, params: dict) -> None:
        """App-Token on every call (header or ``app_token``), compared in constant time."""
        given = request.headers.get("App-Token") or params.get("app_token")
        if not given:
            raise ApiError(400, "ERROR_APP_TOKEN_PARAMETERS_MISSING")
        if not hmac.compare_digest(str(given).encode(), self.sim.app_token.encode()):
            raise ApiError(400, "ERROR_WRONG_APP_TOKEN_PARAMETER")

    def check_session(self, request: Request, params: dict) -> tuple[Session, str]:
        """The session of the Session-Token (header or ``session_token``), or the GLPI error."""
        token = request.headers.get("Session-Token") or params.get("session_token")
        if not token:
            raise ApiError(400, "ERROR_SESSION_TOKEN_MISSING")
        session = self.sim.sessions.get(str(token))
        if session is None:
            raise ApiError(401, "ERROR_SESSION_TOKEN_INVALID")
        return session, str(token)

    def init_session(self, request: Request, params: dict) -> Response:
        """``initSession`` by user_token (header or query), Basic auth or login/password."""
        sim = self.sim
        auth = request.headers.get("Authorization") or ""
        user_token = params.get("user_token")
        login = params.get("login")
        password = params.get("password")
        if "user_token" in auth:
            words = auth.split()
            user_token = words[1] if len(words) > 1 else ""
        elif auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth.split(None, 1)[1]).decode("utf-8")
            except (ValueError, IndexError):
                decoded = ""
            login, _, password = decoded.partition(":")
        if user_token:
            uid = next(
                (
                    uid
                    for token, uid in sim.user_tokens.items()
                    if hmac.compare_digest(token.encode(), str(user_token).encode())
                ),
                None,
            )
            if uid is None or uid not in sim.tables["User"]:
                raise ApiError(401, "ERROR_GLPI_LOGIN_USER_TOKEN")
        elif login and password:
            uid = sim.find_user_id(str(login))
            stored = sim.tables["User"].get(uid, {}).get("password") if uid else None
            if not stored or not hmac.compare_digest(stored, hash_password(str(password))):
                raise ApiError(401, "ERROR_GLPI_LOGIN", "Incorrect username or password")
        else:
            raise ApiError(400, "ERROR_LOGIN_PARAMETERS_MISSING")
        user = sim.tables["User"][uid]
        if not user["is_active"] or user["is_deleted"]:
            raise ApiError(
                401,
                "ERROR_GLPI_LOGIN",
                "You don't have access to this application "
                "because your account was deactivated or removed",
            )
        if not sim.user_profiles(uid):
            raise ApiError(401, "ERROR_GLPI_LOGIN", "You don't have right to connect")
        token = sim.open_session(uid)
        user["last_login"] = now_text()
        answer = {"session_token": token}
        if flag(params.get("get_full_session", False)):
            answer["session"] = self.full_session(sim.sessions[token], token)
        return json_response(200, answer)

    # -- session resources ------------------------------------------------------------------

    def r_killSession(self, session, token, params, request) -> Response:
        """``killSession``: ``200 true``; the token is invalid afterwards."""
        self.sim.sessions.pop(token, None)
        return json_response(200, True)

    def profile_payload(self, profile_id: int) -> dict:
        """The ``active_profile`` object (name, interface and the rights GLPI reports)."""
        profile = self.sim.tables["Profile"].get(profile_id, {})
        user, group, entity = _RIGHTS_DETAIL.get(profile_id, (1, None, None))
        if self.sim.version == "11" and user == 7327:
            user = 15519
        return {
            "id": profile_id,
            "name": profile.get("name"),
            "interface": profile.get("interface"),
            "is_default": profile.get("is_default", 0),
            "user": user,
            "group": group,
            "entity": entity,
        }

    def r_getMyProfiles(self, session, token, params, request) -> Response:
        """``getMyProfiles``: each profile of the user with its entities."""
        grouped: dict[int, list] = {}
        for pu in self.sim.user_profiles(session.user_id):
            entity = self.sim.tables["Entity"].get(pu["entities_id"], {})
            grouped.setdefault(pu["profiles_id"], []).append(
                {
                    "id": pu["entities_id"],
                    "name": entity.get("name"),
                    "is_recursive": pu["is_recursive"],
                }
            )
        result = [
            {
                "id": pid,
                "name": self.sim.tables["Profile"].get(pid, {}).get("name"),
                "entities": entities,
            }
            for pid, entities in grouped.items()
        ]
        return json_response(200, {"myprofiles": result})

    def r_getActiveProfile(self, session, token, params, request) -> Response:
        """``getActiveProfile``."""
        return json_response(200, {"active_profile": self.profile_payload(session.profile_id)})

    def r_changeActiveProfile(self, session, token, params, request) -> Response:
        """``changeActiveProfile``: 400 without ``profiles_id``, 404 for a profile not owned."""
        if "profiles_id" not in params:
            raise ApiError(400, "ERROR", "Bad Request")
        wanted = to_int(params["profiles_id"])
        if not any(pu["profiles_id"] == wanted for pu in self.sim.user_profiles(session.user_id)):
            raise ApiError(404, "ERROR_ITEM_NOT_FOUND")
        session.profile_id = wanted
        self.sim.activate_all(session)
        return json_response(200, True)

    def r_getMyEntities(self, session, token, params, request) -> Response:
        """``getMyEntities``; with ``is_recursive`` the sub-entities by complete name."""
        sim = self.sim
        entities: list[dict] = []
        seen: set[int] = set()
        recursive = flag(params.get("is_recursive", False))
        for entity_id, is_recursive in sim.profile_entities(session):
            ids = [entity_id]
            if recursive and is_recursive:
                ids = [eid for eid in sim.entity_descendants(entity_id) if eid != entity_id]
                ids = ids + [entity_id]
            for eid in ids:
                if eid in seen or eid not in sim.tables["Entity"]:
                    continue
                seen.add(eid)
                row = sim.tables["Entity"][eid]
                name = row["completename"] if recursive else row["name"]
                if sim.version == "10":
                    name = name.replace(" > ", " &#62; ")
                entities.append({"id": eid, "name": name})
        return json_response(200, {"myentities": entities})

    def r_getActiveEntities(self, session, token, params, request) -> Response:
        """``getActiveEntities``: the snapshot taken at login or at the last change."""
        return json_response(
            200,
            {
                "active_entity": {
                    "id": session.entity_id,
                    "active_entity_recursive": session.recursive,
                    "active_entities": [{"id": eid} for eid in session.active_entities],
                }
            },
        )

    def r_changeActiveEntities(self, session, token, params, request) -> Response:
        """``changeActiveEntities``: no body activates everything; unknown gives ``200 false``."""
        sim = self.sim
        if "entities_id" not in params:
            sim.activate_all(session)
            session.recursive = True if sim.version == "11" else False
            return json_response(200, True)
        wanted = to_int(params["entities_id"])
        recursive = params.get("is_recursive", False)
        if not isinstance(recursive, bool):
            raise ApiError(400, "ERROR", "Bad Request")
        allowed: set[int] = set()
        for entity_id, is_recursive in sim.profile_entities(session):
            allowed.update(sim.entity_descendants(entity_id) if is_recursive else [entity_id])
        if wanted not in allowed or wanted not in sim.tables["Entity"]:
            return json_response(200, False)
        session.entity_id = wanted
        session.recursive = recursive
        session.active_entities = sim.entity_descendants(wanted) if recursive else [wanted]
        session.show_all = sim.counts_all_entities(session.active_entities)
        return json_response(200, True)

    def full_session(self, session: Session, token: str = "") -> dict:
        """``$_SESSION`` of an API session, with the keys GLPI really has."""
        sim = self.sim
        user = sim.tables["User"][session.user_id]
        entity = sim.tables["Entity"].get(session.entity_id, {})
        result = {
            key: schema.SESSION_CONSTANTS.get(key) for key in schema.SESSION_KEYS[sim.version]
        }
        label = (entity.get("completename") or "") + (
            " (tree structure)" if session.recursive else ""
        )
        profiles: dict[str, dict] = {}
        for pu in sim.user_profiles(session.user_id):
            profile = sim.tables["Profile"].get(pu["profiles_id"], {})
            slot = profiles.setdefault(
                str(pu["profiles_id"]), {"name": profile.get("name"), "entities": []}
            )
            slot["entities"].append(
                {
                    "id": pu["entities_id"],
                    "is_recursive": pu["is_recursive"],
                    "name": sim.tables["Entity"].get(pu["entities_id"], {}).get("name"),
                }
            )
        result.update(
            {
                "MESSAGE_AFTER_REDIRECT": [],
                "glpiID": session.user_id,
                "glpiname": user["name"],
                "glpifriendlyname": user["name"],
                "glpirealname": user["realname"],
                "glpifirstname": user["firstname"],
                "glpi_currenttime": now_text(),
                "glpiactive_entity": session.entity_id,
                "glpiactive_entity_name": label,
                "glpiactive_entity_shortname": label,
                "glpiactive_entity_recursive": session.recursive,
                "glpiactiveentities": list(session.active_entities),
                "glpiactiveentities_string": ", ".join(f"'{e}'" for e in session.active_entities),
                "glpiactiveprofile": self.profile_payload(session.profile_id),
                "glpiprofiles": profiles,
                "glpidefault_entity": user["entities_id"],
                "glpilist_limit": crud.LIST_LIMIT,
                "glpilanguage": user.get("language") or sim.default_language,
                "glpishowallentities": 1 if crud.LIST_LIMIT and session.show_all else 0,
                "valid_id": token,
                "glpicrontimer": int(time.time()),
            }
        )
        if sim.version == "11":
            parents = sim.entity_ancestors(session.entity_id)[::-1] + [session.entity_id]
            result.update(
                {
                    "glpibackcreated": "1",
                    "glpiparententities": parents,
                    "glpiparententities_string": ", ".join(str(e) for e in parents),
                    "glpigroups_cache_date": now_text(),
                }
            )
        return result

    def r_getFullSession(self, session, token, params, request) -> Response:
        """``getFullSession``."""
        return json_response(200, {"session": self.full_session(session, token)})

    def r_getGlpiConfig(self, session, token, params, request) -> Response:
        """``getGlpiConfig`` (API keys and the ``version`` a client detects)."""
        base = f"{request.scheme}://{request.host}"
        version = "10.0.12" if self.sim.version == "10" else "11.0.6"
        config = {
            "version": version,
            "dbversion": f"{version}@simulator",
            "language": self.sim.default_language,
            "url_base": base,
            "enable_api": "1",
            "enable_api_login_credentials": "1",
            "enable_api_login_external_token": "1",
            "use_password_security": "0",
            "password_min_length": "8",
        }
        if self.sim.version == "11":
            config.update(
                {
                    "enable_hlapi": "0",
                    "are_apiclients_tokens_encrypted": "1",
                    "url_base_api": base + "/api.php",
                }
            )
        else:
            config["url_base_api"] = base + "/apirest.php"
        return json_response(200, {"cfg_glpi": config})
