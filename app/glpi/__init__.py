"""The GLPI storage: :class:`~app.scim.storage.Storage` implemented over GLPI's REST API.

In: storage operations on canonical SCIM dicts (from :mod:`app.scim`). Out:
the same resources read back from GLPI, which stays the only truth, and SCIM
errors for every GLPI failure. This is the only package that knows both
vocabularies.

* :mod:`app.glpi.backend`: :class:`GlpiBackend`, one per tenant: dispatches
  each operation to the store of its resource type, runs the profile-rule
  hooks around writes, and is the only place GLPI errors become SCIM errors.
* :mod:`app.glpi.users` and :mod:`app.glpi.groups`: the two stores, each with
  its mapping, search criteria and write steps.
* :mod:`app.glpi.profiles`: profile rules (GLPI profiles from ``roles`` and
  group memberships), their hooks and the ledger of the rows they created.
* :mod:`app.glpi.client`: the REST client the stores call (session, item
  calls, typed errors, text encoding); it knows GLPI, not SCIM.
* Shared by the stores: :mod:`app.glpi.scope` (a tenant's entities, which
  users it sees, which accounts are protected), with
  :mod:`app.glpi.reserved_accounts` (GLPI's own accounts, kept out of SCIM by
  the scope's criteria), and :mod:`app.glpi.cache` (bounded, thread-safe TTL
  caches of slow-changing look-ups).

Nothing is re-exported here.
"""
