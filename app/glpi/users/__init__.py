"""SCIM Users over GLPI ``User``: the User half of the GLPI storage.

In: the storage operations :class:`~app.glpi.backend.GlpiBackend` dispatches
for the resource type "User" (get, search, create, replace, patch, delete),
with canonical SCIM dicts, a parsed filter or a
:class:`~app.scim.patch.engine.PatchResult`. Out: canonical SCIM User dicts
read back from GLPI, or a typed GLPI error the backend turns into a SCIM
error. What each operation costs in GLPI calls is the call-count table in
docs/mapping.md (the numbers the tests assert).

Which module does which step:

* :mod:`app.glpi.users.store`: :class:`UserStore`, the storage operations;
  the only module here that sequences GLPI calls for a SCIM operation.
* Reading: :mod:`app.glpi.users.criteria` turns a SCIM filter into
  ``/search/User`` criteria that can only widen the match (every candidate is
  then verified in Python); :mod:`app.glpi.users.mapping` turns a search row
  into a SCIM User (and holds the column and search-option vocabulary both
  directions share); :mod:`app.glpi.users.nickname_reads` adds the
  ``nickname`` column (``displayName``) that no search returns, with
  ``getMultipleItems``; :mod:`app.glpi.users.groups_attribute` fills the
  read-only ``groups`` attribute for a whole page at once.
* Writing: :mod:`app.glpi.users.validation` says what GLPI accepts (logins,
  lengths, languages, e-mails); :mod:`app.glpi.users.scim_to_glpi` turns a
  SCIM User into a checked :class:`~app.glpi.users.scim_to_glpi.UserWrite`
  (pure); :mod:`app.glpi.users.write_calls` turns that into the fewest GLPI
  writes (inputs, diffs, e-mails, dropdowns);
  :mod:`app.glpi.users.password_refusals` reads GLPI's refusals of a
  password (policy, GLPI 11's history) as the IdP's 400, and checks the
  policy before a write.
* Refused creates: :mod:`app.glpi.users.conflicts` looks a login up before a
  create and says why GLPI refused one; :mod:`app.glpi.users.unfinished_creates`
  decides when a profile-less user is a create GLPI cut short, which the
  bridge may finish (pure).

Which users a tenant sees is :mod:`app.glpi.scope`. Nothing is re-exported here.
"""
