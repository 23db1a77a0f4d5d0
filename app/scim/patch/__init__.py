"""The PATCH engine (RFC 7644 §3.5.2): a PatchOp applied to a SCIM resource dict, without I/O.

In: a canonical SCIM resource (as the storage returned it), the
``Operations`` of a PatchOp request, the resource's
:class:`~app.scim.schema.ResourceSchema` and the attributes the backend wants
as deltas (a Group's ``members``). Out: a
:class:`~app.scim.patch.engine.PatchResult`: the new resource, the names of
the attributes whose value changed, and one
:class:`~app.scim.patch.engine.MultiValuedDelta` per delta attribute, so the
backend makes only the writes that change something. A PATCH is atomic: any
error raises before a result exists.

The steps, one module each:

1. :mod:`app.scim.patch.engine`: the entry point
   (:func:`~app.scim.patch.engine.apply_patch`): reads each operation
   (Entra's and Okta's dialects), expands path-less operations, sends each
   target to the next steps, and computes what changed. It defines the
   result types the storage interface and the backend use.
2. :mod:`app.scim.patch.path`: the ``path`` grammar (``attrPath``,
   ``valuePath`` with its filter, ``subAttr``), resolved against the schema.
3. :mod:`app.scim.patch.values`: the operation's ``value`` coerced to the
   attribute definitions (tolerant of the IdP shapes in docs/patch.md).
4. :mod:`app.scim.patch.operation`: one operation applied in place to the
   working copy (add, replace, remove on single, complex and multi-valued
   attributes).
5. :mod:`app.scim.patch.deltas`: operations on a delta attribute folded into
   ``added`` / ``removed`` / ``replaced`` instead of being applied.

The HTTP side of PATCH (load, apply, write, answer) is
:mod:`app.scim.endpoint.patch_request`. Nothing is re-exported here.
"""
