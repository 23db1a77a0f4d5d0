"""UserStore.search over a fake GLPI: exact criteria that fail verification fall back to a scan."""

from __future__ import annotations

from app.glpi.cache import BackendCaches
from app.glpi.client.items import SearchResult as GlpiSearch
from app.glpi.scope import TenantScope
from app.glpi.users.conflicts import collate
from app.glpi.users.store import UserStore
from app.scim.filter.parser import parse
from app.scim.schema import RESOURCES
from app.scim.storage import Context
from app.scim.storage import SearchQuery

TENANT = {"name": "t", "entity": {"id": 0, "recursive": False}, "users": {"filter_scan_limit": 50}}


class AccentFoldingGlpi:
    """Answers every user search like MySQL's ``utf8mb4_unicode_ci`` would for ``eq "elodie"``."""

    version = "11"

    def __init__(self):
        self.searches: list[tuple[int, int]] = []
        self.rows = [{"2": 7, "1": "Élodie", "8": 1}, {"2": 8, "1": "elodie", "8": 1}]

    def session_identity(self):
        return (2, "glpi")

    def search(self, itemtype, criteria, forcedisplay, *, range, **_):
        self.searches.append(range)
        start, end = range
        return GlpiSearch(len(self.rows), self.rows[start : end + 1])

    def get_multiple_items(self, itemtype, ids, **_):
        return [{"id": i, "nickname": ""} for i in ids]

    def get_glpi_config(self, **_):
        return {"language": "en_GB"}


def test_exact_criteria_whose_rows_fail_verification_are_scanned():
    glpi = AccentFoldingGlpi()
    caches = BackendCaches.from_settings({})
    store = UserStore(glpi, TENANT, TenantScope(glpi, TENANT, caches), caches, scan_limit=50)
    node = parse('userName eq "elodie"', RESOURCES["User"])
    result = store.search(Context(tenant="t"), SearchQuery(filter=node, count=1))
    assert [u["userName"] for u in result.resources] == ["elodie"]
    assert result.total == 1
    assert glpi.searches == [(0, 0), (0, 49)]


def test_logins_collate_like_glpi_unique_key():
    assert collate("Élodie") == collate("elodie") == collate("ELODIE")
    assert collate("elodie") != collate("elodie2")
