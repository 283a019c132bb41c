#!/usr/bin/env bash
# Database outage drill: serve the site with gunicorn from a throwaway PostgreSQL cluster, stop
# the database (every page must answer 503, /healthz too), start it again (every page must answer
# 200 without restarting gunicorn). Prints each status; exits non-zero on a wrong one.
#   bash bench/outage_drill.sh
set -euo pipefail
cd "$(dirname "$0")/.."
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")
dir=$(mktemp -d /tmp/outage-drill.XXXXXX)
chown postgres "$dir"
port=54331 web=8791
pg() { su postgres -c "$pg_bin/pg_ctl -D $dir/data -l $dir/log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1' $*" >/dev/null; }
su postgres -c "$pg_bin/initdb -D $dir/data -A trust -U postgres >/dev/null"
pg start
trap 'pkill -f "127.0.0.1:$web" || true; pg -m fast stop 2>/dev/null || true; rm -rf "$dir"' EXIT
export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres DJANGO_SECRET_KEY=outage-drill-only
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_ALLOWED_HOSTS=127.0.0.1
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py load_starting_content -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi -w 2 -b 127.0.0.1:$web --log-level critical &
sleep 3
failed=0
check() {  # expected status, then paths
  local want=$1; shift
  for path in "$@"; do
    got=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$web$path")
    echo "$got $path"
    [ "$got" = "$want" ] || failed=1
  done
}
pages=(/healthz / /frameworks/flask/ "/compare/?frameworks=flask,django" /claims/ /advisor/)
echo "--- database up";   check 200 "${pages[@]}"
pg -m fast stop
echo "--- database down"; check 503 "${pages[@]}"
pg start
echo "--- database back, gunicorn not restarted"; check 200 "${pages[@]}" "${pages[@]}"
[ $failed = 0 ] && echo "outage drill: passed" || { echo "outage drill: FAILED"; exit 1; }
