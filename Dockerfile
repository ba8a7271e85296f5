# syntax=docker/dockerfile:1
#
# Two images from one file:
#   --target txpipe   the txpipe CLI on node:24-slim (ingest, generate, migrate, dashboards import, …)
#   --target airflow  apache/airflow 3 plus Node 24 and the same txpipe app, so the DAG's BashOperator
#                     tasks can run `$TXPIPE_CMD task run …` (TXPIPE_CMD=txpipe, on PATH)
# There is no build step: Node 24 runs src/**/*.ts directly (type stripping), so the images hold the
# sources, the SQL and the production node_modules.

ARG NODE_IMAGE=node:24-slim
# The Python tag matches airflow/constraints.txt (a pip freeze on 3.11): the image's default Python
# may be another minor, and the constraints would not hold there.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11

# Production dependencies, installed once from the lockfile and copied into both images. The
# prebuilt native parts (optional dependencies) are glibc builds, which both images run.
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/txpipe
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS txpipe
ENV NODE_ENV=production \
    TXPIPE_DATA_DIR=/var/lib/txpipe
WORKDIR /opt/txpipe
COPY --from=deps /opt/txpipe/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY sql ./sql
COPY dashboards ./dashboards
COPY airflow ./airflow
COPY src ./src
COPY docker/txpipe/healthcheck.mjs ./docker/healthcheck.mjs
COPY --chmod=0755 docker/txpipe/txpipe /usr/local/bin/txpipe
RUN mkdir -p /var/lib/txpipe && chown node:node /var/lib/txpipe \
 && txpipe --help > /dev/null
USER node
ENTRYPOINT ["txpipe"]
CMD ["--help"]

# ---------------------------------------------------------------------------------------------------
FROM ${AIRFLOW_IMAGE} AS airflow
USER root
# Node's official binary needs libstdc++ (normally present in the Airflow image already).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libstdc++6 \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
COPY --from=deps /opt/txpipe/node_modules /opt/txpipe/node_modules
COPY package.json package-lock.json /opt/txpipe/
COPY sql /opt/txpipe/sql
COPY dashboards /opt/txpipe/dashboards
COPY airflow /opt/txpipe/airflow
COPY src /opt/txpipe/src
COPY --chmod=0755 docker/txpipe/txpipe /usr/local/bin/txpipe
COPY --chmod=0755 docker/airflow/init.sh /usr/local/bin/txpipe-airflow-init
# /opt/airflow/auth holds the simple auth manager's passwords file (a named volume inherits this owner).
RUN mkdir -p /opt/airflow/auth /var/lib/txpipe \
 && chown airflow:0 /opt/airflow/auth /var/lib/txpipe \
 && node --version && txpipe --help > /dev/null
ENV TXPIPE_CMD=txpipe \
    TXPIPE_DATA_DIR=/var/lib/txpipe \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/txpipe/airflow/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False
USER airflow
# The Python side the tests ran (airflow/requirements.txt under airflow/constraints.txt), as the image's
# documentation says to extend it: pip as the airflow user, apache-airflow pinned to the image's version.
RUN pip install --no-cache-dir -r /opt/txpipe/airflow/requirements.txt -c /opt/txpipe/airflow/constraints.txt \
 && python -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
 && airflow version
