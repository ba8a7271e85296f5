#!/bin/bash
# One-shot Airflow initialisation for the compose stack: metadata schema, then the login.
#
# Airflow 3's default auth manager is the simple auth manager: users come from configuration
# (AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin", i.e. user admin with role admin) and
# their passwords from a JSON file (AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE). This script
# writes that file from AIRFLOW_ADMIN_PASSWORD, so the password is chosen, not generated and
# printed in the api-server log. `airflow users create` belongs to the FAB auth manager, not used here.
set -euo pipefail

echo "airflow db migrate"
airflow db migrate

passwords_file="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?set AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}"
users="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
password="${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD}"
mkdir -p "$(dirname "$passwords_file")"
# Every configured user gets the same password here; edit the file (or the users list) for more.
python - "$passwords_file" "$users" "$password" <<'PY'
import json, sys
path, users, password = sys.argv[1:4]
names = [u.split(":", 1)[0].strip() for u in users.split(",") if u.strip()]
with open(path, "w") as f:
    json.dump({name: password for name in names}, f)
print(f"simple auth manager users: {', '.join(names)} (passwords in {path})")
PY
chmod 600 "$passwords_file"
