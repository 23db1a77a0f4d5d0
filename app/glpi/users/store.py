"""SCIM Users over GLPI ``User``: the storage operations.

Reads are ``/search/User`` with every column (e-mails included), and a page
of users shares one look-up of their ``groups``. A create looks the login up
across authtypes, among live users and in the trash, then carries e-mails, the
static profile row and its dates in the ``POST /User`` itself; a trashed user
with the login is restored with a ``PUT`` instead. Nothing is read back after a
write, but the ``date_mod`` GLPI sets anew when a create adds e-mails. With
``displayName`` in ``nickname`` (the default), a read that returns users also
reads their nicknames (:mod:`app.glpi.users.nickname_reads`); a miss and a
write do not.

What each SCIM operation costs in GLPI calls, once the per-process look-ups
(session, entity tree, default profile, the bridge account's id) are warm, is
the call-count table in docs/mapping.md, generated from ``tests/call_counts.py``
and asserted by the tests; it is not repeated here.

Every GLPI failure leaves as a :class:`~app.glpi.client.errors.GlpiError`; the
backend (:mod:`app.glpi.backend`) translates them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.scope import TenantScope
from app.glpi.users import nickname_reads as nicknames
from app.glpi.users import password_refusals as up
from app.glpi.users import write_calls as uw
from app.glpi.users.conflicts import ConflictResolver
from app.glpi.users.criteria import combine
from app.glpi.users.criteria import translate
from app.glpi.users.groups_attribute import UserGroups
from app.glpi.users.mapping import MANAGER
from app.glpi.users.mapping import NICKNAME
from app.glpi.users.mapping import OPT_DATE_MOD
from app.glpi.users.mapping import OPT_GROUPS
from app.glpi.users.mapping import OPT_ID
from app.glpi.users.mapping import OPT_LOGIN
from app.glpi.users.mapping import OPT_PROFILES
from app.glpi.users.mapping import OPTION_BY_COLUMN
from app.glpi.users.mapping import ReadContext
from app.glpi.users.mapping import UserMapping
from app.glpi.users.mapping import glpi_to_scim_user
from app.glpi.users.scim_to_glpi import scim_to_glpi_user
from app.glpi.users.unfinished_creates import static_profile_row
from app.scim.errors import ConflictError
from app.scim.errors import ForbiddenError
from app.scim.errors import InvalidFilterError
from app.scim.errors import InvalidValueError
from app.scim.errors import NotFoundError
from app.scim.filter.parser import matches
from app.scim.filter.parser import paths
from app.scim.patch.engine import PatchResult
from app.scim.schema import RESOURCES
from app.scim.storage import Context
from app.scim.storage import SearchQuery
from app.scim.storage import SearchResult

log = logging.getLogger(__name__)

#: ``sortBy`` (canonical, lower-case) → search option.
SORT_OPTIONS = {
    "id": 2,
    "username": 1,
    "name.familyname": 34,
    "name.givenname": 9,
    "externalid": 28,
    "emails": 5,
    "emails.value": 5,
    "title": 81,
    "active": 8,
    "meta.created": 121,
    "meta.lastmodified": 19,
    "displayname": 34,
}


#: A ``getGlpiConfig`` answer younger than this (the version detection's) fills the cache.
CONFIG_REUSE_SECONDS = 60.0


def _scalar(value: Any) -> Any:
    return (value[0] if value else None) if isinstance(value, list) else value


@dataclass(frozen=True)
class UserFacts:
    """What the last read of a user showed: its row, for the write that follows."""

    row: dict


class UserStore:
    """The User half of the GLPI backend, for one tenant."""

    def __init__(
        self,
        client: Any,
        tenant: dict,
        scope: TenantScope,
        caches: BackendCaches,
        *,
        scan_limit: int = 2000,
    ):
        self._client = client
        self._tenant = tenant
        self._scope = scope
        self._caches = caches
        self._scan_limit = scan_limit
        self.mapping = UserMapping.build((tenant.get("mapping") or {}).get("user"))
        self._dropdowns = uw.DropdownResolver(client, caches)
        self._conflicts = ConflictResolver(client, tenant, self._search_rows, scope, caches)
        self._user_groups = UserGroups(client, scope, limit=scan_limit)

    def attribute_support(self) -> dict[str, str]:
        return self.mapping.attribute_support()

    def canonical_values(self) -> dict[str, list[str]]:
        return self.mapping.canonical_values()

    # -- reads ------------------------------------------------------------------------------

    def _search_rows(
        self,
        criteria: list[dict],
        start: int = 0,
        count: int = 1,
        *,
        is_deleted: bool = False,
        sort: int = OPT_ID,
        order: str = "ASC",
        remember: bool = True,
    ) -> tuple[int, list[dict]]:
        """Search users; ``remember`` keeps the rows of in-scope live users for the next write."""
        total, rows = self._client.search(
            "User",
            criteria,
            self.mapping.forcedisplay,
            range=(start, start + max(count, 1) - 1),
            sort=sort,
            order=order,
            is_deleted=is_deleted,
        )
        for row in rows if remember and not is_deleted else ():
            self._caches.user_facts.put(int(row[str(OPT_ID)]), UserFacts(row))
        return total, rows

    def load_row(self, user_id: str | int, *, display: bool = True) -> dict:
        """The search row of an in-scope, not trashed user (one call).

        :param display: also read its nickname (:meth:`_with_nicknames`), for
            a row that is answered; a row only checked or written needs none.
        :raises NotFoundError: no such user in the tenant's scope.
        """
        text = str(user_id)
        if not (text.isascii() and text.isdigit()) or int(text) <= 0:
            raise NotFoundError(f"User {text} not found.")
        criteria = [
            *self._scope.user_criteria(),
            {"link": "AND", "field": OPT_ID, "searchtype": "equals", "value": int(text)},
        ]
        _, rows = self._search_rows(criteria)
        if not rows:
            self._caches.user_facts.evict(int(text))
            raise NotFoundError(f"User {text} not found.")
        if display:
            self._with_nicknames(rows[:1])
        return rows[0]

    def _with_nicknames(self, rows: list[dict]) -> bool:
        """Add GLPI's ``nickname`` to rows that are answered, when ``displayName`` lives there.

        :returns: whether a row changed (and must be mapped again).
        """
        return self.mapping.reads_nickname and nicknames.fill(self._client, rows)

    def _facts_row(self, user_id: str, *, display: bool = True) -> dict:
        """The row read in the last minute (the PATCH flow reads just before), or a fresh read."""
        if str(user_id).isdigit():
            facts = self._caches.user_facts.get(int(user_id))
            if facts is not None:
                return facts.row
        return self.load_row(user_id, display=display)

    def to_scim(
        self,
        row: dict,
        ctx: Context | None = None,
        *,
        complete: bool = True,
        groups_by_id: dict[int, list[dict]] | None = None,
    ) -> dict:
        """Map a row; ``groups_by_id`` holds the ``groups`` of a whole page (one call)."""
        groups = manager = None
        if complete:
            wants = ctx.attributes.wants if ctx else (lambda _: True)
            if wants("groups") and row.get(str(OPT_GROUPS)):
                known = (
                    groups_by_id if groups_by_id is not None else self._user_groups.for_rows([row])
                )
                groups = known.get(int(row[str(OPT_ID)]))
            if self.mapping.column(MANAGER) and wants(MANAGER.rsplit(":", 1)[0]):
                manager = self._manager_of(row)
        context = ReadContext(
            groups=groups, manager=manager, default_language=self._language_default(row)
        )
        return glpi_to_scim_user(row, self.mapping, context)

    def _language_default(self, row: dict | None) -> str | None:
        """GLPI's default language when ``row``'s ``language`` is NULL (which stands for
        it), else None: the configuration is read only for such a row (cached)."""
        option = self.mapping.option("preferredLanguage")
        if option is None or (row is not None and _scalar(row.get(str(option))) is not None):
            return None
        return self.default_language()

    def default_language(self) -> str | None:
        """``cfg_glpi.language``: GLPI's default language (read with GLPI's configuration,
        once per cache lifetime)."""
        return str(self._glpi_config().get("language") or "") or None

    def _manager_of(self, row: dict) -> dict | None:
        """``users_id_supervisor`` as ``{"value": id}`` (option 99 shows the login: resolved)."""
        login = row.get(str(OPTION_BY_COLUMN["users_id_supervisor"]))
        login = login[0] if isinstance(login, list) else login
        if not login:
            return None
        key = ("login", str(login).casefold())
        user_id = self._caches.ids_by_name.get_or_load(key, lambda: self._id_of_login(str(login)))
        return {"value": str(user_id)} if user_id else None

    def _id_of_login(self, login: str) -> int | None:
        hit = self._conflicts.find_login(login, scoped=False)
        return int(hit[str(OPT_ID)]) if hit else None

    def get(self, ctx: Context, user_id: str) -> dict:
        return self.to_scim(self.load_row(user_id), ctx)

    def search(self, ctx: Context, query: SearchQuery) -> SearchResult:
        """One page of users matching ``query.filter`` exactly, and the exact total.

        When GLPI's criteria are exact (only case/accent folding can differ),
        GLPI pages and counts; otherwise every candidate (at most
        ``users.filter_scan_limit``) is fetched in one call and verified.
        """
        translation = translate(
            query.filter, self.mapping, self._client.version, self.default_language
        )
        if translation.nothing:
            return SearchResult(0, [])
        criteria = combine(self._scope.user_criteria(), translation)
        sort, order = self._sort(query)
        start = max(query.start_index, 1) - 1
        if translation.exact:
            total, rows = self._search_rows(criteria, start, query.count, sort=sort, order=order)
            if query.count == 0:
                return SearchResult(total, [])
            self._with_nicknames(rows)
            if query.filter is None:
                return SearchResult(total, self._complete(ctx, rows, None))
            resources = [self.to_scim(r, ctx, complete=False) for r in rows]
            if query.filter is None or all(matches(query.filter, r) for r in resources):
                return SearchResult(total, self._complete(ctx, rows, resources))
            log.info("GLPI's answer to an exact criterion failed verification; scanning")
        return self._scan(ctx, query, criteria, sort, order)

    def _scan(
        self, ctx: Context, query: SearchQuery, criteria: list[dict], sort: int, order: str
    ) -> SearchResult:
        total, rows = self._search_rows(criteria, 0, self._scan_limit, sort=sort, order=order)
        if total > self._scan_limit:
            raise InvalidFilterError(
                f"GLPI cannot narrow this filter, and it leaves {total} candidate users, more than "
                f"this tenant's scan limit ({self._scan_limit}). Filter on userName, emails, "
                "externalId, name.givenName, name.familyName or active, alone or with 'and'."
            )
        named = {p.attribute.name for p in paths(query.filter)}
        needs_full = bool(named & {"groups", "manager"})
        if "displayName" in named:
            self._with_nicknames(rows)
        by_id = self._groups_by_id(ctx, rows) if needs_full else None
        found = [(r, self.to_scim(r, ctx, complete=needs_full, groups_by_id=by_id)) for r in rows]
        found = [(r, res) for r, res in found if matches(query.filter, res)]
        start = max(query.start_index, 1) - 1
        page = found[start : start + query.count]
        page_rows = [r for r, _ in page]
        resources = [res for _, res in page]
        if self._with_nicknames(page_rows):
            resources = [
                self.to_scim(r, ctx, complete=needs_full, groups_by_id=by_id) for r in page_rows
            ]
        if not needs_full:
            resources = self._complete(ctx, page_rows, resources)
        return SearchResult(len(found), resources)

    def _complete(
        self, ctx: Context, rows: list[dict], resources: list[dict] | None
    ) -> list[dict]:
        """Add what needs more calls (groups, manager) to the rows actually returned.

        :param resources: the rows already mapped without them (to verify a
            filter), or None when there was no filter to verify: each row is
            then mapped once, not twice.
        """
        if not any(r.get(str(OPT_GROUPS)) for r in rows) and not self.mapping.column(MANAGER):
            if resources is None:
                return [self.to_scim(r, ctx, complete=False) for r in rows]
            return resources
        by_id = self._groups_by_id(ctx, rows)
        return [self.to_scim(r, ctx, groups_by_id=by_id) for r in rows]

    def _groups_by_id(self, ctx: Context | None, rows: list[dict]) -> dict[int, list[dict]] | None:
        """The ``groups`` of every row in one GLPI call (None when not asked for)."""
        if ctx is not None and not ctx.attributes.wants("groups"):
            return None
        return self._user_groups.for_rows(rows)

    def _sort(self, query: SearchQuery) -> tuple[int, str]:
        order = "DESC" if (query.sort_order or "").lower().startswith("desc") else "ASC"
        if not query.sort_by:
            return OPT_ID, order
        resolved = RESOURCES["User"].resolve(query.sort_by)
        key = resolved.canonical.lower() if resolved else ""
        if key == "displayname" and self.mapping.option("displayName"):
            return int(self.mapping.option("displayName")), order
        return SORT_OPTIONS.get(key, OPT_ID), order

    # -- writes -----------------------------------------------------------------------------

    def create(self, ctx: Context, resource: dict) -> dict:
        write = scim_to_glpi_user(resource, self.mapping)
        self._check_password(write.password)
        unfinished = self._conflicts.refuse_taken_login(write.fields["name"])
        if unfinished is not None:
            return self._finish_create(ctx, unfinished, write)
        trashed = self._conflicts.trashed_to_restore(write.fields["name"])
        if trashed is not None:
            return self._restore(ctx, trashed.row, write)
        manager_login = self._check_manager(write.manager_id)
        dropdowns = {c: self._dropdowns.resolve(c, n) for c, n in write.dropdowns.items() if n}
        data = uw.create_input(write, self._tenant, self._conflicts.default_profile_id(), dropdowns)
        # GLPI keeps a create's own dates (CommonDBTM::add stamps only missing ones): the
        # answer then shows what GLPI holds, on GLPI's clock, without reading it back.
        stamp = self._client.glpi_now()
        data.update(date_creation=stamp, date_mod=stamp)
        try:
            user_id = self._client.add("User", data)
        except GlpiBadRequestError as exc:
            reasons = up.password_reasons(exc.message) if write.password else None
            if reasons:
                raise InvalidValueError(up.refusal_detail(reasons)) from exc
            found = self._conflicts.explain_refused_create(write.fields["name"], exc)
            if found.restore:
                return self._restore(ctx, found.row, write)
            return self._finish_create(ctx, found.row, write)
        row = self._written_row(user_id, None, write, manager_login, stamp=stamp)
        if write.emails:
            row[str(OPT_DATE_MOD)] = self._date_mod_after_emails(user_id, stamp)
        self._caches.user_facts.put(user_id, UserFacts(row))
        return self.to_scim(row, ctx)

    def _date_mod_after_emails(self, user_id: int, stamp: str) -> str:
        """GLPI's ``date_mod`` of a user just created with e-mails (one ``GET /User/:id``).

        ``User::post_addItem`` adds the e-mails, then sets ``date_mod`` to the request's
        own time, whatever the input gave (10.0.12 and 11.0.6): only a read tells it. The
        user exists: a failing read answers the date sent rather than an error.
        """
        try:
            item = self._client.get_item("User", user_id)
        except GlpiError as exc:
            log.info("user %s created; its date_mod could not be read: %r", user_id, exc)
            return stamp
        return str(item.get("date_mod") or stamp)

    def preview(self, resource: dict) -> dict:
        """What ``create`` would send to GLPI for ``resource``, without writing anything.

        The status page's mapping preview. It reads (the default profile's
        id) but never writes; dropdown values are shown by name, since
        resolving them may create them. Passwords are masked.
        """
        write = scim_to_glpi_user(resource, self.mapping)
        data = uw.create_input(write, self._tenant, self._conflicts.default_profile_id(), {})
        for key in ("password", "password2"):
            if key in data:
                data[key] = "********"
        emails = data.pop("_useremails", {})
        default_key = data.pop("_default_email", None)
        profile = {k.lstrip("_"): data.pop(k) for k in ("_profiles_id", "_entities_id", "_is_recursive")}
        return {
            "User fields (POST /User)": data,
            "UserEmail rows": [{"email": address, "is_default": int(key == default_key)}
                               for key, address in emails.items()],
            "Profile_User row (static)": {**profile, "is_dynamic": 0},
            "dropdowns (found or created by name)": {k: v for k, v in write.dropdowns.items() if v},
        }

    def _restore(self, ctx: Context, row: dict, write: Any) -> dict:
        """Take a trashed user with the same login back (no 409 loop on re-provisioning).

        The trashed user's search row plus what was written is the answer: nothing
        is read back (issue 13: the restore read the user again). It gets the authtype a
        create would give: GLPI blanks the password of a user moved off local
        authentication, so a user trashed while local and re-provisioned without a
        password cannot log in with its old one.
        """
        user_id = int(row[str(OPT_ID)])
        manager_login = self._check_manager(write.manager_id)
        write.fields.setdefault("is_active", 1)
        extra = {"is_deleted": 0, "authtype": uw.authtype_for(write, self._tenant)}
        self._update(user_id, row, write, extra=extra, write_nickname=True)
        new_row = self._written_row(user_id, row, write, manager_login)
        self._caches.user_facts.put(user_id, UserFacts(new_row))
        return self.to_scim(new_row, ctx)

    def _finish_create(self, ctx: Context, row: dict, write: Any) -> dict:
        """Finish a create GLPI cut short (:mod:`app.glpi.users.unfinished_creates`): the
        columns and e-mails the request asks for, then the static profile row, **last**: cut
        again, the user is still one to finish, and the IdP's next retry converges."""
        user_id = int(row[str(OPT_ID)])
        manager_login = self._check_manager(write.manager_id)
        self._update(user_id, row, write, extra={}, write_nickname=True)
        self._add_static_profile(user_id)
        new_row = self._written_row(user_id, row, write, manager_login)
        new_row[str(OPT_PROFILES)] = [self._tenant.get("default_profile")]
        self._caches.user_facts.put(user_id, UserFacts(new_row))
        return self.to_scim(new_row, ctx)

    def _add_static_profile(self, user_id: int) -> None:
        """The static profile row a create gives (an existing one counts as added)."""
        profile_id = self._conflicts.default_profile_id()
        try:
            self._client.add("Profile_User", static_profile_row(user_id, self._tenant, profile_id))
        except GlpiBadRequestError as exc:
            if not exc.is_duplicate:
                raise

    def replace(self, ctx: Context, user_id: str, resource: dict) -> dict:
        """Replace the user.

        ``nickname`` is written unread when another column changes (the
        ``PUT /User`` goes anyway); otherwise it is read first, so that an
        unchanged user costs no write.
        """
        row = self.load_row(user_id, display=False)
        self._check_protected(row)
        write = scim_to_glpi_user(resource, self.mapping)
        if not uw.changed_fields(
            write, row, write_nickname=False, default_language=self._language_default(row)
        ):
            self._with_nicknames([row])  # no PUT /User unless the nickname changed
        return self._apply(ctx, row, write, NICKNAME in write.fields)

    def patch(self, ctx: Context, user_id: str, result: PatchResult) -> dict:
        row = self._facts_row(user_id)
        self._check_protected(row)
        if result.is_noop:
            return self.to_scim(row, ctx)
        write = scim_to_glpi_user(result.resource, self.mapping)
        return self._apply(ctx, row, write, "displayName" in result.changed)

    def _apply(self, ctx: Context, row: dict, write: Any, write_nickname: bool) -> dict:
        user_id = int(row[str(OPT_ID)])
        self._check_password(write.password)
        manager_login = self._check_manager(write.manager_id)
        written = self._update(user_id, row, write, extra={}, write_nickname=write_nickname)
        new_row = self._written_row(user_id, row, write, manager_login)
        if NICKNAME in written:
            new_row[NICKNAME] = written[NICKNAME]
        if not row.get(str(OPT_PROFILES)) and self._conflicts.unfinished_create(row):
            # In scope without any profile (GLPI 10: "under" the root entity matches
            # such users): a create GLPI cut short; this write finishes it.
            self._add_static_profile(user_id)
            new_row[str(OPT_PROFILES)] = [self._tenant.get("default_profile")]
        self._caches.user_facts.put(user_id, UserFacts(new_row))
        return self.to_scim(new_row, ctx)

    def _update(
        self, user_id: int, row: dict, write: Any, *, extra: dict, write_nickname: bool
    ) -> dict:
        """Write only what changed: one ``PUT /User`` (if any column changed), then e-mails."""
        changed = uw.changed_fields(
            write, row, write_nickname=write_nickname, default_language=self._language_default(row)
        )
        data = {**changed, **extra}
        for column, name in uw.changed_dropdowns(write, row).items():
            data[column] = self._dropdowns.resolve(column, name)
        if write.manager_set and self._manager_changed(row, write.manager_id):
            data["users_id_supervisor"] = write.manager_id or 0
        if write.password:
            data["password"] = data["password2"] = write.password
        if data:
            results = self._put_user(user_id, data)
            refused = [r.message for r in results if r.message]
            if refused and "name" in data:
                raise ConflictError(
                    f"GLPI refused to rename the user to {data['name']!r}: "
                    f"{refused[0]} (userName must be unique in GLPI)."
                )
            if refused:
                log.warning(
                    "GLPI accepted the update of user %s with a message: %s", user_id, refused[0]
                )
        if write.emails is not None and uw.emails_differ(write.emails, row):
            uw.sync_emails(self._client, user_id, write.emails)
        return data

    def _put_user(self, user_id: int, data: dict) -> list:
        """``PUT /User/:id``; a refused password is the IdP's 400, or no change at all.

        See :mod:`app.glpi.users.password_refusals`: GLPI wrote nothing; when its only reason
        proves the password sent is the one it holds, the rest is written again
        without it.
        """
        try:
            return self._client.update("User", user_id, data)
        except GlpiBadRequestError as exc:
            reasons = up.password_reasons(exc.message) if "password" in data else None
            if not reasons:
                raise
            if up.only_reused(exc.message) and up.history_checks_current_only(self._glpi_config()):
                rest = up.without_password(data)
                return self._client.update("User", user_id, rest) if rest else []
            raise InvalidValueError(up.refusal_detail(reasons)) from exc

    def _check_password(self, password: str | None) -> None:
        """Refuse, before any write, a password GLPI's policy would drop (400 invalidValue)."""
        if not password:
            return
        reasons = up.policy_reasons(password, self._glpi_config())
        if reasons:
            raise InvalidValueError(up.refusal_detail(reasons))

    def _glpi_config(self) -> dict:
        """GLPI's ``cfg_glpi`` (read once per cache lifetime, when a password is sent or a
        user's language is NULL); the copy the version detection just read is reused."""
        return self._caches.ids_by_name.get_or_load(
            ("glpi-config",), lambda: self._client.get_glpi_config(max_age=CONFIG_REUSE_SECONDS)
        )

    def _manager_changed(self, row: dict, manager_id: int | None) -> bool:
        current = self._manager_of(row)
        return (int(current["value"]) if current else None) != manager_id

    def _check_manager(self, manager_id: int | None) -> str | None:
        """The login of the manager, who must be a user of this tenant."""
        if manager_id is None:
            return None
        facts = self._caches.user_facts.get(manager_id)
        try:
            row = facts.row if facts else self.load_row(manager_id, display=False)
        except NotFoundError:
            raise InvalidValueError(
                f"manager.value {manager_id} is not a user of this tenant."
            ) from None
        login = row.get(str(OPT_LOGIN))
        self._caches.ids_by_name.put(("login", str(login).casefold()), manager_id)
        return login

    def _written_row(
        self,
        user_id: int,
        row: dict | None,
        write: Any,
        manager_login: str | None,
        *,
        stamp: str | None = None,
    ) -> dict:
        """The search row GLPI would now return, built from what was written (no read back).

        :param stamp: the dates a create wrote; an update's ``date_mod`` is GLPI's own,
            estimated on GLPI's clock (:meth:`~app.glpi.client.session.GlpiSession.glpi_now`).
        """
        new = dict(row or {})
        for column, value in write.fields.items():
            if column == "language":
                key = str(OPTION_BY_COLUMN[column])
                new[key] = uw.stored_language(_scalar(new.get(key)), value)
            elif column in OPTION_BY_COLUMN:
                new[str(OPTION_BY_COLUMN[column])] = value
        for column, name in write.dropdowns.items():
            new[str(OPTION_BY_COLUMN[column])] = name
        if write.emails is not None:
            new["5"] = [a for a, _ in uw.primary_first(write.emails)]
        if write.manager_set:
            new[str(OPTION_BY_COLUMN["users_id_supervisor"])] = manager_login
        stamp = stamp or self._client.glpi_now()
        new.update({str(OPT_ID): user_id, "19": stamp})
        new.setdefault("121", stamp)
        if row is None:
            if self.mapping.reads_nickname:
                new[NICKNAME] = write.fields.get(NICKNAME) or ""
            new[str(OPT_PROFILES)] = [self._tenant.get("default_profile")]
            new.setdefault(str(OPTION_BY_COLUMN["is_active"]), 1)
        return new

    def _check_protected(self, row: dict) -> None:
        profiles = row.get(str(OPT_PROFILES)) or []
        profiles = profiles if isinstance(profiles, list) else [profiles]
        reason = self._scope.is_protected(int(row[str(OPT_ID)]), row.get(str(OPT_LOGIN)), profiles)
        if reason:
            raise ForbiddenError(f"This user cannot be changed or deleted through SCIM: {reason}.")

    def delete(self, ctx: Context, user_id: str) -> None:
        """Deprovision per the tenant's ``deprovisioning``: trash, purge or deactivate."""
        row = self._facts_row(user_id, display=False)
        self._check_protected(row)
        policy = self._tenant.get("deprovisioning", "trash")
        uid = int(row[str(OPT_ID)])
        try:
            if policy == "deactivate":
                self._client.update("User", uid, {"is_active": 0})
            else:
                self._client.delete("User", uid, force_purge=policy == "purge")
        except (GlpiBadRequestError, GlpiNotFoundError):
            self._caches.user_facts.evict(uid)
            self.load_row(uid, display=False)
            raise
        finally:
            self._caches.user_facts.evict(uid)
