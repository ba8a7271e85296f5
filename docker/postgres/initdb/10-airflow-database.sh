#!/bin/bash
# Runs once, when the postgres container initialises an empty data volume (docker-entrypoint-initdb.d).
# Airflow keeps its metadata in the same server, in its own database and role, so txpipe's tables and
# Airflow's never share a schema. Changing AIRFLOW_DB_PASSWORD later needs ALTER ROLE (or a new volume).
set -euo pipefail

: "${AIRFLOW_DB_USER:=airflow}"
: "${AIRFLOW_DB_PASSWORD:?AIRFLOW_DB_PASSWORD is not set (compose.yaml takes it from .env)}"
: "${AIRFLOW_DB_NAME:=airflow}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db_user="$AIRFLOW_DB_USER" -v db_password="$AIRFLOW_DB_PASSWORD" -v db_name="$AIRFLOW_DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'db_user', :'db_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db_user')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'db_user')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name')\gexec
SQL
echo "airflow metadata database '$AIRFLOW_DB_NAME' (owner '$AIRFLOW_DB_USER') ready"
