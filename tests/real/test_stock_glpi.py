"""Issue 15's acceptance on a stock GLPI, as Okta's OIN test reads it (tests/real/stock.py).

The check ran on the GLPI as installed (``up N --fresh``, the kit's two test
accounts purged) before any test of this run wrote to it; here its record is
asserted, once per version.
"""

from __future__ import annotations

STOCK_LOGINS = {"glpi", "glpi-system", "normal", "post-only", "tech"}


def test_first_user_page_of_a_stock_glpi_is_the_provisioned_user(real_glpi):
    seen = real_glpi.extra["stock"]
    assert seen is not None and "error" not in seen, seen
    # The GLPI was stock: only GLPI's own accounts before the provisioning.
    assert set(seen["glpi_logins"]) == STOCK_LOGINS, seen["glpi_logins"]
    assert seen["post_status"] == 201, seen
    assert seen["page_status"] == 200, seen
    page = seen["page"]
    # GLPI's accounts are neither listed nor counted: the one user is the provisioned one.
    assert page["totalResults"] == 1 and page["itemsPerPage"] == 1, page
    (user,) = page["Resources"]
    assert user["id"] == seen["created_id"]
    assert user["name"]["givenName"] == "Oin"
    assert user["name"]["familyName"] == "Stock"
    assert user["emails"][0]["value"] == "oin.stock@example.com"
