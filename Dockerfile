# glpi-scim-bridge: the bridge under gunicorn, as a non-root user.
# Configuration comes from a mounted file ($GLPISCIM_CONFIG) and/or GLPISCIM_*
# environment variables; secrets from mounted files (<key>_file). None is baked in.

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY app ./app
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11.14-slim-bookworm
LABEL org.opencontainers.image.title="glpi-scim-bridge" \
      org.opencontainers.image.description="SCIM 2.0 service provider in front of GLPI's REST API" \
      org.opencontainers.image.licenses="GPL-3.0-or-later"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GLPISCIM_CONFIG=/etc/glpi-scim-bridge/config.yaml
RUN groupadd --system --gid 10001 bridge \
    && useradd --system --uid 10001 --gid bridge --no-create-home --shell /usr/sbin/nologin bridge \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/glpi-scim-bridge
COPY --from=build /opt/venv /opt/venv
# The profile-rule ledger (ledger.path) when there is no Redis: it must outlive the container.
VOLUME ["/var/lib/glpi-scim-bridge"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "app.ops.probe"]
CMD ["glpi-scim-bridge", "serve"]
