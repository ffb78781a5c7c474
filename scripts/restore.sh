#!/usr/bin/env bash
# Restore a folder made by scripts/backup.sh: the database (replacing what is there) and the instance folder.
# Stop the web, scheduler and dispatch units first. Usage: scripts/restore.sh BACKUP_DIR
set -euo pipefail
src="${1:?usage: restore.sh BACKUP_DIR}"
url="${POLICYHUB_DATABASE_URL:?POLICYHUB_DATABASE_URL is not set}"
url="${url/postgresql+psycopg:/postgresql:}"
instance="${POLICYHUB_INSTANCE_PATH:-}"
( cd "$src" && sha256sum --check --quiet SHA256SUMS )
pg_restore --clean --if-exists --no-owner --single-transaction --dbname "$url" "$src/database.dump"
if [ -n "$instance" ] && [ -f "$src/instance.tar.gz" ]; then
  mkdir -p "$instance"
  tar -C "$instance" -xzf "$src/instance.tar.gz"
fi
echo "restored $src"
