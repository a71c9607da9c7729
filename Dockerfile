# syntax=docker/dockerfile:1
# o2c-hub in a container: the wheel is built in one stage and installed, without extras, into a
# slim Python image that runs as an unprivileged user.
#
#   docker build -t o2c-hub .
#   docker run --rm -p 8080:8080 o2c-hub demo                 # the demo, every system a sandbox
#   docker run -d -p 8080:8080 -v "$PWD/site:/etc/o2c-hub:ro" -v o2c-data:/var/lib/o2c-hub \
#       -e O2C_DATABASE_URL=sqlite:////var/lib/o2c-hub/o2c-hub.db \
#       -e O2C_ADMIN_TOKEN_FILE=/run/secrets/admin_token ... o2c-hub   # your site (o2c-hub init site)
#   (a site mounted over /etc/o2c-hub hides the var/ link below, hence the database URL)
#
# The config is /etc/o2c-hub/config.yaml (O2C_HUB_CONFIG). The image ships the starter there, its
# var/ (the default SQLite database) pointing into the data volume /var/lib/o2c-hub. Secrets come
# from the environment, each as NAME or as NAME_FILE naming a file that holds it. `run` migrates
# the database before it serves.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY hub ./hub
COPY connectors ./connectors
RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /dist .

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="o2c-hub" \
      org.opencontainers.image.description="Self-hosted integration hub for the order-to-cash process" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    O2C_HUB_CONFIG=/etc/o2c-hub/config.yaml \
    O2C_HOST=0.0.0.0 \
    O2C_HEALTH_URL=http://127.0.0.1:8080/healthz

RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    pip install --no-cache-dir --disable-pip-version-check /dist/*.whl \
 && groupadd --system --gid 10001 o2c \
 && useradd --system --uid 10001 --gid o2c --home-dir /var/lib/o2c-hub --no-create-home \
            --shell /usr/sbin/nologin o2c \
 && install -d -o o2c -g o2c -m 0750 /var/lib/o2c-hub \
 && o2c-hub init /etc/o2c-hub \
 && rmdir /etc/o2c-hub/var \
 && ln -s /var/lib/o2c-hub /etc/o2c-hub/var

VOLUME ["/var/lib/o2c-hub"]
WORKDIR /etc/o2c-hub
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request\ntry:\n    urllib.request.urlopen(os.environ['O2C_HEALTH_URL'], timeout=4)\nexcept OSError as exc:\n    sys.exit(f'unhealthy: {exc}')"]
ENTRYPOINT ["o2c-hub"]
CMD ["run"]
