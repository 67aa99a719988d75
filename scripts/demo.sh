#!/usr/bin/env bash
# Demo: build halite, start a master and three minions on this machine (in a
# temp dir, as the current user), accept their keys, and run real jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p halite
BIN="$PWD/target/release/halite"
DEMO=$(mktemp -d /tmp/halite-demo.XXXXXX)
PORT=${HALITE_DEMO_PORT:-$((20000 + RANDOM % 20000))}
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DEMO"; }
trap cleanup EXIT

mkdir -p "$DEMO/master" "$DEMO/srv/motd" "$DEMO/pillar"
cat > "$DEMO/master/master" <<CFG
root_dir: $DEMO/master/root
interface: 127.0.0.1
ret_port: $PORT
nodegroups:
  webs: 'web*'
file_roots:
  base:
    - $DEMO/srv
pillar_roots:
  base:
    - $DEMO/pillar
CFG
# A small state tree (Jinja + pillar + requisites), served by the master.
cat > "$DEMO/srv/motd/init.sls" <<'SLS'
{% set owner = salt['pillar.get']('motd:owner', 'nobody') %}
motd_file:
  cmd.run:
    - name: echo "{{ grains['id'] }} is run by {{ owner }}" > {{ opts['cachedir'] }}/motd
    - creates: {{ opts['cachedir'] }}/motd
motd_announce:
  test.succeed_with_changes:
    - name: motd for {{ grains['id'] }}
    - onchanges:
      - cmd: motd_file
SLS
printf "base:\n  'web*':\n    - web\n  'db*':\n    - db\n" > "$DEMO/pillar/top.sls"
printf "motd:\n  owner: the web team\n" > "$DEMO/pillar/web.sls"
printf "motd:\n  owner: the DBAs\n" > "$DEMO/pillar/db.sls"
"$BIN" master -c "$DEMO/master" &

for id in web1 web2 db1; do
  mkdir -p "$DEMO/$id"
  role=web; [ "$id" = db1 ] && role=db
  cat > "$DEMO/$id/minion" <<CFG
root_dir: $DEMO/$id/root
master: 127.0.0.1
master_port: $PORT
id: $id
acceptance_wait_time: 0.5
grains:
  role: $role
CFG
  "$BIN" minion -c "$DEMO/$id" &
done

H() { echo; echo "\$ halite $*"; "$BIN" -c "$DEMO/master" "$@"; }
K() { echo; echo "\$ halite $*"; "$BIN" "$1" -c "$DEMO/master" "${@:2}"; }

# Wait for the three keys to arrive, then accept them (salt-key -A).
for _ in $(seq 100); do
  [ "$("$BIN" key -c "$DEMO/master" -L --out json 2>/dev/null | grep -o '"web1"\|"web2"\|"db1"' | wc -l)" -ge 3 ] && break
  sleep 0.1
done
K key -L
K key -A -y
for _ in $(seq 100); do
  [ "$("$BIN" run -c "$DEMO/master" manage.up --out json 2>/dev/null | grep -c '"')" -ge 3 ] && break
  sleep 0.1
done
K run manage.status
H '*' test.ping
H -G 'role:web' cmd.run 'echo "$(hostname) says hi from $PWD"; uptime'
H -N webs grains.item os os_family kernelrelease num_cpus
H -C 'G@role:db or web1' disk.usage --out json --static | head -20
H db1 cmd.run_all 'ls /nonexistent' || true
JID=$("$BIN" -c "$DEMO/master" '*' test.sleep 1 --async | awk '{print $NF}')
echo; echo "\$ halite '*' test.sleep 1 --async    # -> $JID"
sleep 2
K run jobs.lookup_jid "$JID"
H '*' pillar.get motd:owner
H web1 state.apply motd test=True --state-output terse
H '*' state.apply motd --state-output mixed
H web1 state.apply motd --state-output terse    # second run: nothing to do
echo
echo "demo finished: a master and 3 minions ran real jobs over mutually authenticated TLS."
