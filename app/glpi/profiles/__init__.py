"""Profile rules: GLPI profiles granted from SCIM ``roles`` and group memberships.

In: a tenant's ``profile_rules`` (configuration), and the User and Group
writes of the backend (a user's ``roles``, a rule group's members). Out: the
user's static ``Profile_User`` rows kept equal to what the rules imply, and a
User's ``roles`` read back from the rows it holds. Only rows the rules
created are ever removed; docs/profile-rules.md says why and how.

Which module does which step:

1. :mod:`app.glpi.profiles.hooks`: :class:`ProfileRuleHooks` wraps the
   backend's storage operations and decides when the rules run (a tenant
   without rules pays nothing).
2. :mod:`app.glpi.profiles.rules`: :class:`ProfileRules` computes the target
   rows of one user and adds or removes the difference, one sync per user at
   a time.
3. :mod:`app.glpi.profiles.ledger`: which ``Profile_User`` rows the rules
   created (Redis or a SQLite file), the one piece of state the bridge keeps,
   because GLPI records no author on that table.

Nothing is re-exported here.
"""
