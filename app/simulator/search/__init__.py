"""The simulator's ``/search/:itemtype`` and ``listSearchOptions``, as GLPI's search engine behaves.

In: a search call's ``criteria``, ``forcedisplay``, sort and range. Out:
GLPI's search answer (``totalcount``, ``data`` keyed by option id, the
``content-range``), with GLPI's quirks (``LIKE`` with ``%`` as a wildcard,
HTML-encoded text on GLPI 10).

* :mod:`app.simulator.search.endpoints`: the two endpoints: parameters,
  rights, entity visibility, paging, the answer's shape.
* :mod:`app.simulator.search.engine`: the criteria evaluated over the
  in-memory tables (one scan per query).
* :mod:`app.simulator.search.options`: the search options (ids, tables,
  fields) of the simulated itemtypes, GLPI's own from ``search_options.json``
  beside it.
* :mod:`app.simulator.search.textmatch`: GLPI's text matching (the ``LIKE``
  that ``makeTextSearchValue`` builds), also used by the item endpoints'
  ``searchText``.

Nothing is re-exported here.
"""
