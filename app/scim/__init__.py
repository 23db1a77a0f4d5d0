"""SCIM 2.0 (RFC 7643, RFC 7644): the protocol, with no knowledge of GLPI.

In: HTTP requests from the IdP. Out: SCIM responses, and calls to the
tenant's :class:`~app.scim.storage.Storage`, the one interface a backend
implements. Nothing here imports ``app.glpi``.

* :mod:`app.scim.endpoint`: the Flask side: routes, authentication, the
  work behind each verb, PATCH and Bulk flows, discovery, ETags, responses
  and error handlers.
* :mod:`app.scim.filter`: the filter language: lexer, parser, evaluator.
* :mod:`app.scim.patch`: the PATCH engine, a pure function over resource dicts.
* The protocol model every part uses, one module each:
  :mod:`app.scim.schema` (the attribute definitions of User, Group and the
  EnterpriseUser extension), :mod:`app.scim.payload` (POST/PUT bodies →
  canonical dicts), :mod:`app.scim.query` (list and search parameters →
  :class:`~app.scim.storage.SearchQuery`), :mod:`app.scim.projection` (what a
  response shows), :mod:`app.scim.storage` (the storage interface and the
  types that cross it), :mod:`app.scim.errors` (the SCIM error classes) and
  :mod:`app.scim.constants` (protocol strings).

docs/architecture.md draws the whole request path. Nothing is re-exported here.
"""
