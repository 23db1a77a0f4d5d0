"""``glpi-scim-bridge selftest``: provisioning as an IdP does it, on throwaway objects.

:mod:`app.selftest.scenario` holds the steps (shared with the real-GLPI
test lane), :mod:`app.selftest.cleanup` the purge of what a run created, and
:mod:`app.selftest.runner` the command: the app, the report, the signals.
"""
