#!/bin/sh
# Back up an onRetail database and its files: a pg_dump in PostgreSQL's
# custom format and a tar of the database's attachment files, written under
# new names and renamed when complete, so that a backup is whole or absent.
# Backups older than ONRETAIL_BACKUP_DAYS days are deleted.
#
# Usage: backup.sh [DATABASE]          (default: onretail)
# Environment (/etc/onretail/onretail.env):
#   TRYTOND_DATABASE__URI   the PostgreSQL server, as trytond takes it
#   TRYTOND_DATABASE__PATH  trytond's folder of attachment files
#   ONRETAIL_BACKUP_DIR     where backups go (default /var/backups/onretail)
#   ONRETAIL_BACKUP_DAYS    how many days of backups are kept (default 14)
# Restore: see the README, "Running a chain".
set -eu

database=${1:-onretail}
target=${ONRETAIL_BACKUP_DIR:-/var/backups/onretail}
days=${ONRETAIL_BACKUP_DAYS:-14}
uri=${TRYTOND_DATABASE__URI:?TRYTOND_DATABASE__URI is not set}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

# trytond's URI names the server; pg_dump's names the database too, in its
# path, before any query (postgresql://user@/?host=/run/postgresql)
server=${uri%%\?*}
query=${uri#"$server"}
database_uri="${server%/}/${database}${query}"

mkdir -p "$target"
dump="$target/$database-$stamp.dump"
pg_dump --format=custom --file="$dump.part" --dbname="$database_uri"
mv "$dump.part" "$dump"

files=${TRYTOND_DATABASE__PATH:-}
if [ -n "$files" ] && [ -d "$files/$database" ]; then
    archive="$target/$database-$stamp-files.tar.gz"
    tar -C "$files" -czf "$archive.part" "$database"
    mv "$archive.part" "$archive"
fi

find "$target" -maxdepth 1 -name "$database-*" -mtime "+$days" -delete
echo "backup of $database: $dump"
