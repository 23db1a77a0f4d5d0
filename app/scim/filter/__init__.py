"""The SCIM filter language (RFC 7644 §3.4.2.2): text in, AST out, AST against a resource.

In: the ``filter`` text of a list or search request (or of a PATCH
``path``'s ``valuePath``) and the :class:`~app.scim.schema.ResourceSchema` it
is about. Out: a tree of nodes (``Compare``, ``Present``, ``And``, ``Or``,
``Not``, ``ValuePath``) whose attribute paths are resolved against the
schema, and a yes/no for "does this resource match". Every error is an
``invalidFilter`` 400.

The steps, one module each:

1. :mod:`app.scim.filter.lexer`: the text → tokens and typed literals
   (``compValue``), checking that a value fits the attribute's type.
2. :mod:`app.scim.filter.parser`: tokens → the AST, resolved against the
   schema; it also holds the node classes and the tree helpers callers use
   (:func:`~app.scim.filter.parser.parse`, ``matches``, ``paths``, ``walk``,
   ``to_text``).
3. :mod:`app.scim.filter.evaluator`: the AST against one canonical resource
   dict, exactly (``matches`` delegates here). The GLPI backend verifies every
   candidate GLPI returns with it.

Nothing is re-exported here: import from the module that does the step.
"""
