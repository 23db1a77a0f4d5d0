"""SCIM Groups over GLPI ``Group`` and ``Group_User``: the Group half of the GLPI storage.

In: the storage operations :class:`~app.glpi.backend.GlpiBackend` dispatches
for the resource type "Group", with canonical SCIM dicts, a parsed filter, or
a :class:`~app.scim.patch.engine.PatchResult` whose ``members`` come as a
:class:`~app.scim.patch.engine.MultiValuedDelta`. Out: canonical SCIM Group
dicts, or a typed GLPI error the backend turns into a SCIM error. A group is
never rewritten as a whole and large member lists are never read to change
one member; what each operation costs in GLPI calls is the call-count table
in docs/mapping.md (the numbers the tests assert).

Which module does which step:

* :mod:`app.glpi.groups.store`: :class:`GroupStore`, the storage operations
  (uniqueness of ``displayName`` under a lock, scope checks, reads, writes).
* :mod:`app.glpi.groups.mapping`: SCIM Group ↔ GLPI ``Group`` (pure):
  ``displayName``, ``externalId`` column per tenant, ``meta.version``.
* :mod:`app.glpi.groups.criteria`: ``/search/Group`` criteria that can only
  widen a SCIM filter, and the shared criteria builders (entity scope of
  groups and users, ``Group_User`` look-ups) that the scope and the profile
  rules reuse.
* :mod:`app.glpi.groups.item_reads`: the reads through ``GET /Group/:id`` and
  ``GET /Group`` for a tenant whose ``externalId`` column has no search
  option (GLPI without LDAP).
* :mod:`app.glpi.groups.membership_plan`: a members delta or full set →
  which user ids to add and which ``Group_User`` row ids to delete (pure).
* :mod:`app.glpi.groups.membership_rows`: reading and writing those
  ``Group_User`` rows in pages and array calls, verifying user ids first.
* :mod:`app.glpi.groups.membership_chunks`: large membership writes cut in
  chunks of rows, run in parallel within the tenant's time budget.

docs/groups.md is the prose twin. Nothing is re-exported here.
"""
