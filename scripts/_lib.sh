# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source it
# Shared helpers for scripts/run and scripts/test. Source it, do not run it.
#
# Needs only bash, python3 with Odoo 18.0 importable, and (for a private
# PostgreSQL cluster) Debian's postgresql, which it installs when missing and
# running as root.

ECRM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ECRM_ADDONS_DIR=$(cd "${ECRM_ADDONS_DIR:-$ECRM_ROOT/addons}" 2>/dev/null && pwd || echo "${ECRM_ADDONS_DIR:-$ECRM_ROOT/addons}")
PYTHON=${PYTHON:-python3}
ECRM_TAG=${ECRM_TAG:-ecrm}

say() { printf '[%s] %s\n' "$ECRM_TAG" "$*"; }
die() { printf '[%s] error: %s\n' "$ECRM_TAG" "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

# ---------------------------------------------------------------- apt ----
_APT_UPDATED=''
apt_install() {  # apt_install PKG...  (root + apt-get only; returns 1 otherwise)
    is_root && command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$_APT_UPDATED" ]; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
        _APT_UPDATED=1
    fi
    say "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

# --------------------------------------------------------------- odoo ----
odoo_version() { "$PYTHON" -c 'import odoo.release as r; print(r.version)'; }

# Odoo's own addons folders: <odoo pkg>/addons and <odoo pkg>/../addons.
odoo_addons_path() {
    "$PYTHON" - <<'EOF'
import os
import odoo
pkg = os.path.dirname(os.path.abspath(odoo.__file__))
dirs = [os.path.join(pkg, "addons"), os.path.normpath(os.path.join(pkg, os.pardir, "addons"))]
print(",".join(d for d in dirs if os.path.isdir(d)))
EOF
}

# Comma-separated names of the installable addons in ECRM_ADDONS_DIR.
ecrm_addons() {
    "$PYTHON" - "$ECRM_ADDONS_DIR" <<'EOF'
import ast
import os
import sys
root, names = sys.argv[1], []
if os.path.isdir(root):
    for name in sorted(os.listdir(root)):
        manifest = os.path.join(root, name, "__manifest__.py")
        if not os.path.isfile(manifest):
            continue
        try:
            with open(manifest, encoding="utf-8") as f:
                data = ast.literal_eval(f.read())
        except (SyntaxError, ValueError) as e:
            sys.exit(f"cannot read {manifest}: {e}")
        if data.get("installable", True):
            names.append(name)
print(",".join(names))
EOF
}

# A free TCP port on 127.0.0.1.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_odoo_conf FILE DATA_DIR ADDONS_PATH [key = value lines...]
# Our own Odoo config, so that ~/.odoorc or $ODOO_RC never leak in.
write_odoo_conf() {
    local file=$1 data_dir=$2 addons_path=$3
    shift 3
    (
        umask 077
        {
            echo "[options]"
            echo "addons_path = $addons_path"
            echo "data_dir = $data_dir"
            echo "db_host = ${DB_HOST:-False}"
            echo "db_port = ${DB_PORT:-False}"
            echo "db_user = ${DB_USER:-False}"
            echo "db_password = ${DB_PASSWORD:-False}"
            local line
            for line in "$@"; do echo "$line"; done
        } >"$file"
    )
}

# Odoo's log lines look like "2025-01-31 12:00:00,123 4242 ERROR db logger: msg".
LOG_LINE_RE='^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9],[0-9][0-9][0-9] [0-9]+ '
LOG_ERROR_RE="${LOG_LINE_RE}(ERROR|CRITICAL) "

# log_view REGEX: copy stdin to stdout, keeping only the Odoo log records
# matching REGEX (with their traceback lines) and our own
# "check_install_uninstall:" lines.
log_view() {
    # patterns via ENVIRON: awk -v would mangle their backslashes
    VIEW_PAT=$1 VIEW_REC=$LOG_LINE_RE awk '
        BEGIN { pat = ENVIRON["VIEW_PAT"]; rec = ENVIRON["VIEW_REC"] }
        $0 ~ rec { show = ($0 ~ pat); if (show) { print; fflush() } next }
        /^check_install_uninstall:/ { show = 0; print; fflush(); next }
        show { print; fflush() }
    '
}

# ----------------------------------------------------------- postgres ----
# After pg_setup: DB_HOST DB_PORT DB_USER DB_PASSWORD are set (empty = libpq
# default) and exported as ECRM_DB_* for db_sql.

pg_external() { [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]; }

pg_bindir() {
    local d
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    return 1
}

PG_DIR='' PG_BIN='' PG_SOCK='' PG_STARTED=''
_PG_AS=()

# pg_private_start DIR [postgres.conf lines...]
# A private cluster in DIR (data in DIR/data), reachable only via a unix
# socket; run as the "postgres" OS user when we are root (initdb refuses root).
pg_private_start() {
    PG_DIR=$1
    shift
    if ! PG_BIN=$(pg_bindir); then
        apt_install postgresql || die "PostgreSQL server programs (initdb, pg_ctl) not found; install PostgreSQL or set PGHOST/PGUSER/PGPASSWORD"
        PG_BIN=$(pg_bindir) || die "initdb/pg_ctl still not found after installing postgresql"
    fi
    _PG_AS=()
    mkdir -p "$PG_DIR"
    if is_root; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/sh postgres
        fi
        _PG_AS=(runuser -u postgres --)
        chown postgres: "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    if ! "${_PG_AS[@]}" test -w "$PG_DIR"; then
        die "user postgres cannot write $PG_DIR (is a parent folder closed to it?); set ECRM_PG_DIR to another folder"
    fi
    # unix socket paths are limited to ~107 bytes
    PG_SOCK=$PG_DIR
    if [ "${#PG_SOCK}" -gt 90 ]; then
        PG_SOCK=/tmp/ecrm-pg-$(printf '%s' "$PG_DIR" | cksum | cut -d' ' -f1)
        mkdir -p "$PG_SOCK"
        if is_root; then chown postgres: "$PG_SOCK"; fi
        chmod 700 "$PG_SOCK"
    fi
    if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
        say "initdb $PG_DIR/data ($("$PG_BIN/postgres" --version))"
        if ! "${_PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C \
            >"$PG_DIR/initdb.log" 2>&1; then
            cat "$PG_DIR/initdb.log" >&2
            die "initdb failed"
        fi
        echo "include_if_exists = 'ecrm.conf'" | "${_PG_AS[@]}" tee -a "$PG_DIR/data/postgresql.conf" >/dev/null
    fi
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$PG_SOCK'"
        echo "port = 5432"
        local line
        for line in "$@"; do echo "$line"; done
    } | "${_PG_AS[@]}" tee "$PG_DIR/data/ecrm.conf" >/dev/null
    if "${_PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        say "postgres already running in $PG_DIR"
    else
        say "start postgres (socket $PG_SOCK)"
        # setsid: keep Ctrl-C in the terminal away from postgres; we stop it ourselves
        if ! "${_PG_AS[@]}" setsid "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start \
            >/dev/null 2>&1; then
            tail -n 20 "$PG_DIR/postgres.log" >&2 || true
            die "postgres did not start (log: $PG_DIR/postgres.log)"
        fi
        PG_STARTED=1
    fi
    if [ -z "$("$PG_BIN/psql" -h "$PG_SOCK" -p 5432 -U postgres -d postgres -Atqc \
        "SELECT 1 FROM pg_roles WHERE rolname = 'odoo'")" ]; then
        "$PG_BIN/psql" -h "$PG_SOCK" -p 5432 -U postgres -d postgres -qc 'CREATE ROLE odoo LOGIN SUPERUSER' >/dev/null
    fi
    DB_HOST=$PG_SOCK DB_PORT=5432 DB_USER=odoo DB_PASSWORD=
    _pg_export
}

pg_private_stop() {
    if [ -n "$PG_DIR" ] && [ -n "$PG_BIN" ] && [ -s "$PG_DIR/data/postmaster.pid" ]; then
        say "stop postgres"
        "${_PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    PG_STARTED=''
}

pg_use_external() {
    DB_HOST=${PGHOST:-} DB_PORT=${PGPORT:-} DB_USER=${PGUSER:-} DB_PASSWORD=${PGPASSWORD:-}
    say "use PostgreSQL server ${DB_HOST:-<local socket>}:${DB_PORT:-5432} as ${DB_USER:-$(id -un)}"
    _pg_export
}

_pg_export() {
    export ECRM_DB_HOST=$DB_HOST ECRM_DB_PORT=$DB_PORT ECRM_DB_USER=$DB_USER ECRM_DB_PASSWORD=$DB_PASSWORD
}

# db_sql DBNAME SQL [ARG...]: run SQL (psycopg2 %s placeholders) with
# autocommit; print result rows tab-separated.
db_sql() {
    "$PYTHON" - "$@" <<'EOF'
import os
import sys
import psycopg2
dbname, sql, args = sys.argv[1], sys.argv[2], sys.argv[3:]
kw = {"dbname": dbname}
for key in ("host", "port", "user", "password"):
    value = os.environ.get("ECRM_DB_" + key.upper())
    if value:
        kw[key] = value
conn = psycopg2.connect(**kw)
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute(sql, args or None)
    if cr.description:
        for row in cr.fetchall():
            print("\t".join("" if v is None else str(v) for v in row))
conn.close()
EOF
}

db_exists() { [ -n "$(db_sql postgres 'SELECT 1 FROM pg_database WHERE datname = %s' "$1")" ]; }

db_drop() {
    db_sql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()" "$1" >/dev/null
    db_sql postgres "DROP DATABASE IF EXISTS \"$1\"" >/dev/null
}

# Names (comma-separated) of the given addons that are not installed in DB.
db_missing_addons() {
    local db=$1 addons=$2
    if ! db_exists "$db" || [ -z "$(db_sql "$db" "SELECT 1 FROM pg_tables WHERE tablename = 'ir_module_module'")" ]; then
        echo "$addons"
        return
    fi
    local installed
    installed=$(db_sql "$db" "SELECT name FROM ir_module_module WHERE state = 'installed'")
    local name out=()
    IFS=, read -r -a _names <<<"$addons"
    for name in "${_names[@]}"; do
        if ! grep -qx "$name" <<<"$installed"; then out+=("$name"); fi
    done
    (IFS=,; echo "${out[*]}")
}
