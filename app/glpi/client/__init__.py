"""The GLPI REST client: Python calls in, GLPI rows and typed errors out. Knows GLPI, not SCIM.

In: item-level calls from the stores (``get_item``, ``get_multiple_items``,
``list_page``, ``search``, ``add``, ``update``, ``delete``, ...) with GLPI
itemtypes, ids and inputs. Out: GLPI rows with ``< > &`` decoded for the
detected version, or a typed :class:`~app.glpi.client.errors.GlpiError`.
Every HTTP exchange ends in a :class:`~app.glpi.client.session.CallRecord`
handed to the session's hooks (metrics, and the call counts the tests
assert).

The layers, bottom up:

1. :mod:`app.glpi.client.session`: :class:`GlpiSession`, one pooled
   ``requests.Session`` per process, timeouts, retries, ``initSession`` and
   the single-flight re-login shared by every thread.
2. :mod:`app.glpi.client.items`: :class:`GlpiClient`, built on the session:
   version detection and the item calls, GLPI's odd success shapes turned
   into plain values.
3. :mod:`app.glpi.client.errors`: GLPI's ``[CODE, message]`` answers as
   exception classes chosen by code, never by the translated message; the
   per-item results of array writes.
4. :mod:`app.glpi.client.encoding`: how each GLPI version stores ``< > &``
   and how its ``contains`` search sees a value (used by the search criteria
   builders too).

docs/glpi-client.md is the prose twin. Nothing is re-exported here.
"""
