"""A fake GLPI 10.0.12 / 11.0.6 speaking ``apirest.php``, faithful to the recorded exchanges.

In: HTTP requests of GLPI's legacy REST API. Out: GLPI's answers, byte for
byte where the recordings in ``tests/contract/`` say so, and a call log. It
imports nothing from ``app.scim`` or ``app.glpi``; docs/simulator.md is the
prose twin.

A call goes through:

1. :mod:`app.simulator.server` serves :mod:`app.simulator.api` on a loopback
   port; :mod:`app.simulator.api` checks the App-Token and Session-Token,
   answers the session resources (``initSession``, ``getFullSession``, ...)
   and builds the call's :class:`~app.simulator.context.Context`
   (:mod:`app.simulator.context`: who calls, what the session may see).
2. Items: :mod:`app.simulator.crud` serves ``/:itemtype`` reads (and
   ``getMultipleItems``) and sends writes to :mod:`app.simulator.writes`,
   which applies GLPI's item rules (:mod:`app.simulator.items` for users and
   e-mails, :mod:`app.simulator.relations` for groups, memberships, profiles,
   entities and dropdowns); :mod:`app.simulator.history` keeps and serves a
   user's ``Log``.
3. Search: :mod:`app.simulator.search` (``/search/:itemtype`` and
   ``listSearchOptions``).
4. Underneath: :mod:`app.simulator.state` (the in-memory tables, sessions,
   knobs and call log, under one lock), :mod:`app.simulator.schema` (columns
   and defaults per version) and :mod:`app.simulator.http` (request parsing,
   GLPI-shaped responses).

Imports point one way: api → crud → writes → items/relations → state;
every endpoint module → context. Nothing is re-exported here.
"""
