#!/usr/bin/env bash
# Back up the database (uploaded policy files live in it) and the instance folder into one dated folder.
# Usage: scripts/backup.sh DEST_DIR   (reads POLICYHUB_DATABASE_URL and POLICYHUB_INSTANCE_PATH)
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}"
url="${POLICYHUB_DATABASE_URL:?POLICYHUB_DATABASE_URL is not set}"
url="${url/postgresql+psycopg:/postgresql:}"
instance="${POLICYHUB_INSTANCE_PATH:-}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$dest/policyhub-$stamp"
mkdir -p "$out"
# Custom format: compressed, restorable table by table, and pg_restore --clean can replace a live schema.
pg_dump --format=custom --no-owner --file "$out/database.dump" "$url"
if [ -n "$instance" ] && [ -d "$instance" ]; then
  tar -C "$instance" -czf "$out/instance.tar.gz" .
fi
( cd "$out" && sha256sum ./* > SHA256SUMS )
echo "$out"
