"""The SCIM 2.0 HTTP endpoint under ``/scim/v2``: a Flask request in, a SCIM response out.

In: an HTTP request from the IdP (bearer token, query string, JSON body).
Out: an ``application/scim+json`` answer with the RFC 7644 status, headers
and body, errors included. This package is the only part of ``app/scim``
that knows Flask; it works on the pure protocol modules of ``app/scim``
(:mod:`~app.scim.schema`, :mod:`~app.scim.payload`, :mod:`~app.scim.query`,
:mod:`~app.scim.projection`, :mod:`app.scim.filter`, :mod:`app.scim.patch`)
and calls the tenant's :class:`~app.scim.storage.Storage`.

A request goes through:

1. :mod:`app.scim.endpoint.routes`: the blueprint, one short view per
   (resource, verb), registered under ``/scim/v2`` and ``/scim/v2/t/<tenant>``.
2. :mod:`app.scim.endpoint.auth`: ``Authorization: Bearer`` → the tenant,
   before every view.
3. The work behind the view:
   :mod:`app.scim.endpoint.service` (get, list, search, create, replace,
   delete, for any resource type), :mod:`app.scim.endpoint.patch_request`
   (PATCH: load, apply the engine, write the change set),
   :mod:`app.scim.endpoint.root_search` (``POST /.search``),
   :mod:`app.scim.endpoint.bulk` (``POST /Bulk``, each operation dispatched
   as a request of its own), :mod:`app.scim.endpoint.discovery`
   (ServiceProviderConfig, ResourceTypes, Schemas).
4. :mod:`app.scim.endpoint.etags`: ``ETag``, ``If-Match``,
   ``If-None-Match`` around single-resource views.
5. :mod:`app.scim.endpoint.responses`: every answer typed
   ``application/scim+json``; :mod:`app.scim.endpoint.error_handlers` turns
   every failure, Flask's 404/405/413 included, into a SCIM Error body.

Nothing is re-exported here.
"""
