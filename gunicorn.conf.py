"""gunicorn settings for ``gunicorn app:create_app()`` run from this directory.

The settings and hooks live in :mod:`app.ops.gunicorn_conf`, so that an
installed package (``glpi-scim-bridge serve``, the container image) uses
exactly the same ones.
"""

from app.ops.gunicorn_conf import *  # noqa: F401,F403
