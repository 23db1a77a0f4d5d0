"""``GlpiBackend``: the :class:`~app.scim.storage.Storage` of one tenant, over GLPI.

It dispatches each operation to the store of its resource type
(:data:`GlpiBackend.stores`: ``UserStore`` for "User", ``GroupStore`` for
"Group"; a new resource type is one more entry) and is the **only** place
where GLPI errors become SCIM errors (:func:`scim_error`), so ``app.scim``
never learns that GLPI exists. The rules (style guide §1.6):

* GLPI unreachable, failing or timing out → 503 with ``Retry-After``; an
  invalid session that a re-login could not fix → 503 too.
* The bridge's own credentials refused, or the account lacking a right →
  502: the IdP's token was fine, so never 401, and never 404 (an IdP
  re-creates users it believes gone).
* Anything else GLPI refuses → 502 with GLPI's message, cut before any SQL
  text (GLPI 11 puts whole queries in its messages).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from app.activity.recorder import note
from app.glpi.cache import BackendCaches
from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiRightError
from app.glpi.client.errors import GlpiSessionError
from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.items import GlpiClient
from app.glpi.groups.store import GroupStore
from app.glpi.profiles.hooks import ProfileRuleHooks
from app.glpi.profiles.ledger import build_ledger
from app.glpi.profiles.rules import ProfileRules
from app.glpi.scope import TenantScope
from app.glpi.users.store import UserStore
from app.scim.errors import BackendError
from app.scim.errors import NotImplementedSCIMError
from app.scim.errors import SCIMError
from app.scim.errors import UnavailableError
from app.scim.patch.engine import PatchResult
from app.scim.storage import Context
from app.scim.storage import SearchQuery
from app.scim.storage import SearchResult
from app.scim.storage import Storage
from app.scim.storage import ValueParts

log = logging.getLogger(__name__)

_SQL_PREFIX = re.compile(r"^\s*MySQL query error:\s*", re.IGNORECASE)
_SQL_TEXT = re.compile(r"\s*in SQL query.*", re.IGNORECASE | re.DOTALL)


def glpi_message(exc: GlpiError) -> str:
    """GLPI's message, without SQL text, short enough for an Error ``detail``."""
    text = _SQL_TEXT.sub("", _SQL_PREFIX.sub("", exc.message or "")).strip()
    return (text or "no message")[:200]


def scim_error(exc: GlpiError) -> SCIMError:
    """The SCIM error a GLPI failure becomes (never 401, never 404)."""
    if isinstance(exc, GlpiUnavailableError):
        return UnavailableError(
            "GLPI cannot be reached or failed; retry later.", retry_after=exc.retry_after
        )
    if isinstance(exc, GlpiSessionError):
        return UnavailableError("GLPI refused the bridge's session; retry later.")
    if isinstance(exc, GlpiAuthError):
        return BackendError(
            f"GLPI refused the bridge's own credentials ({exc.credential}); "
            "the bridge's configuration must be fixed."
        )
    if isinstance(exc, GlpiRightError):
        return BackendError("The GLPI account of the bridge lacks a right this operation needs.")
    if isinstance(exc, GlpiNotFoundError):
        return BackendError(f"GLPI answered 'not found' to {exc.method} {exc.path}.")
    return BackendError(f"GLPI refused {exc.method} {exc.path}: {glpi_message(exc)}")


@contextlib.contextmanager
def glpi_errors() -> Iterator[None]:
    """Turn every :class:`GlpiError` raised inside into a SCIM error."""
    try:
        yield
    except GlpiError as exc:
        log.warning("GLPI call failed: %r", exc)
        note(glpi_code=exc.code or "")
        raise scim_error(exc) from exc


def translated(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a storage method, turning every :class:`GlpiError` into a SCIM error."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with glpi_errors():
            return method(*args, **kwargs)

    return wrapper


def _translated_parts(resource: dict) -> dict:
    """``resource`` whose :class:`ValueParts` raise SCIM errors too: their reads
    happen after :meth:`GlpiBackend.get` has returned, while the caller iterates."""

    def translating(parts: ValueParts) -> Iterator[list[Any]]:
        with glpi_errors():
            yield from parts

    return {k: ValueParts(translating(v)) if isinstance(v, ValueParts) else v
            for k, v in resource.items()}


def _noted(resource: dict) -> dict:
    """Tell the activity record which resource a request touched, by id and name."""
    if isinstance(resource, dict):
        note(
            resource_id=resource.get("id", ""),
            name=resource.get("userName") or resource.get("displayName") or "",
        )
    return resource


class GlpiBackend(Storage):
    """The storage of one tenant: its GLPI client, scope, caches and stores.

    :param stores: resource type → store object with ``get``, ``search``,
        ``create``, ``replace``, ``patch`` and ``delete`` taking the same
        arguments as :class:`Storage`, minus the resource type.
    """

    def __init__(
        self, client: Any, tenant: dict, settings: dict, *, stores: dict[str, Any] | None = None
    ):
        self.client = client
        self.tenant = tenant
        self.caches = BackendCaches.from_settings(settings)
        self.scope = TenantScope(client, tenant, self.caches)
        scan_limit = int((tenant.get("users") or {}).get("filter_scan_limit", 2000))
        self.stores = (
            stores
            if stores is not None
            else {
                "User": UserStore(client, tenant, self.scope, self.caches, scan_limit=scan_limit),
                "Group": GroupStore(client, tenant, self.scope, scan_limit=scan_limit),
            }
        )
        ledger = build_ledger(settings) if tenant.get("profile_rules") else None
        self.rules = ProfileRuleHooks(
            ProfileRules(client, tenant, self.scope, self.caches, ledger), self.stores
        )

    @classmethod
    def from_config(cls, tenant: dict, settings: dict) -> GlpiBackend:
        """Build the backend of ``tenant`` (a validated tenant section) with its own client."""
        from app.activity.recorder import note_glpi_call
        from app.ops.metrics import glpi_call_hook

        client = GlpiClient.from_config(tenant["glpi"], name=tenant["name"])
        client.hooks.append(glpi_call_hook(tenant["name"]))
        client.hooks.append(
            lambda record: note_glpi_call(record.method, record.endpoint, record.status)
        )
        return cls(client, tenant, settings)

    def attribute_support(self, resource_type: str) -> dict[str, str] | None:
        """Canonical path → mutability of what GLPI stores for ``resource_type`` (None: all).

        For discovery: ``/Schemas`` should advertise only these, so that a
        client (and scim2-tester) never expects an attribute GLPI cannot keep.
        """
        support = getattr(self._store(resource_type), "attribute_support", None)
        return self.rules.attribute_support(resource_type, support() if callable(support) else None)

    @translated
    def preview(self, resource_type: str, resource: dict) -> dict:
        """What creating ``resource`` would write to GLPI; nothing is written."""
        preview = getattr(self._store(resource_type), "preview", None)
        if not callable(preview):
            raise NotImplementedSCIMError(f"No preview for {resource_type} resources.")
        result = preview(resource)
        if resource_type == "User" and self.rules.rules.active:
            result["Profile_User rows from profile rules"] = self.rules.rules.preview_rows(resource)
        return result

    def canonical_values(self, resource_type: str) -> dict[str, list[str]]:
        """Canonical path → the values of a coded attribute that GLPI gives back as sent."""
        values = getattr(self._store(resource_type), "canonical_values", None)
        return values() if callable(values) else {}

    def _store(self, resource_type: str) -> Any:
        store = self.stores.get(resource_type)
        if store is None:
            raise NotImplementedSCIMError(
                f"{resource_type} resources are not served by this backend."
            )
        return store

    @translated
    def get(self, ctx: Context, resource_type: str, resource_id: str) -> dict:
        found = _translated_parts(self._store(resource_type).get(ctx, resource_id))
        return _noted(self.rules.on_get(ctx, resource_type, found))

    @translated
    def search(self, ctx: Context, resource_type: str, query: SearchQuery) -> SearchResult:
        return self._store(resource_type).search(ctx, query)

    @translated
    def create(self, ctx: Context, resource_type: str, resource: dict) -> dict:
        store = self._store(resource_type)
        return _noted(
            self.rules.create(ctx, resource_type, resource, lambda: store.create(ctx, resource))
        )

    @translated
    def replace(self, ctx: Context, resource_type: str, resource_id: str, resource: dict) -> dict:
        store = self._store(resource_type)
        return _noted(
            self.rules.replace(
                ctx,
                resource_type,
                resource_id,
                resource,
                lambda: store.replace(ctx, resource_id, resource),
            )
        )

    @translated
    def patch(
        self, ctx: Context, resource_type: str, resource_id: str, result: PatchResult
    ) -> dict:
        store = self._store(resource_type)
        return _noted(
            self.rules.patch(
                ctx,
                resource_type,
                resource_id,
                result,
                lambda: store.patch(ctx, resource_id, result),
            )
        )

    @translated
    def delete(self, ctx: Context, resource_type: str, resource_id: str) -> None:
        store = self._store(resource_type)
        self.rules.delete(ctx, resource_type, resource_id, lambda: store.delete(ctx, resource_id))

    @translated
    def ping(self) -> dict:
        """Readiness and status: GLPI answers and the bridge's session is valid.

        One session call (``getFullSession``, through the usual single
        re-login) tells both, and names the API account. A tenant with
        profile rules also needs its ledger writable (docs/profile-rules.md).
        """
        self.rules.ping()
        session = self.client.get_full_session()
        version = self.client.version
        return {
            "glpi_version": self.client.version_string or version,
            "account": session.get("glpiname"),
            "profile": (session.get("glpiactiveprofile") or {}).get("name"),
        }

    def close(self) -> None:
        """Kill the GLPI session at shutdown."""
        try:
            self.client.close()
        except GlpiError as exc:
            log.info("closing the GLPI session failed: %r", exc)
