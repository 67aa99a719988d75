#!/usr/bin/env bash
# halite vs Salt, side by side, in one run (see bench/README.md).
#
#   bench/run.sh [--sizes 1,10,30] [--swarm 1000,10000] [--reps 10]
#                [--skip-salt] [--skip-swarm] [--skip-halite] [--keep]
#
# Builds halite in release, prepares Salt 3007.16 in bench/venv (or reuses
# $SALT_VENV), raises the open-file limit for the swarm, then hands over to
# bench/bench.py. Environment: SALT_VENV=/path/to/venv reuses a virtualenv
# that already has Salt; HALITE_BIN=/path/to/halite skips the build.
set -euo pipefail

BENCH="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH")"
SALT_VERSION=3007.16   # 3007.17 pins a certifi release the registry lacks

skip_salt=0 skip_halite=0
for arg in "$@"; do
  case "$arg" in
    --skip-salt) skip_salt=1 ;;
    --skip-halite) skip_halite=1 ;;
    -h|--help) exec python3 "$BENCH/bench.py" --help ;;
  esac
done

die() { echo "bench: $*" >&2; exit 1; }

# 1. halite, release build.
if [ "$skip_halite" = 0 ] && [ -z "${HALITE_BIN:-}" ]; then
  echo "bench: cargo build --release -p halite" >&2
  (cd "$ROOT" && cargo build --release -p halite) || die "the release build of halite failed (see above)"
  HALITE_BIN="$ROOT/target/release/halite"
fi
HALITE_BIN="${HALITE_BIN:-$ROOT/target/release/halite}"

# 2. Salt in a virtualenv.
has_salt() { [ -x "$1/bin/python" ] && [ -x "$1/bin/salt-master" ] &&
  "$1/bin/python" -c "import salt.version, sys; sys.exit(salt.version.__version__ != '$SALT_VERSION')" 2>/dev/null; }
if [ "$skip_salt" = 0 ]; then
  if [ -n "${SALT_VENV:-}" ]; then
    has_salt "$SALT_VENV" || die "SALT_VENV=$SALT_VENV has no Salt $SALT_VERSION (bin/salt-master, bin/python)"
  else
    SALT_VENV="$BENCH/venv"
    if ! has_salt "$SALT_VENV"; then
      echo "bench: installing salt==$SALT_VERSION into $SALT_VENV" >&2
      python3 -m venv "$SALT_VENV" || die "cannot create a virtualenv in $SALT_VENV (is python3-venv installed?)"
      "$SALT_VENV/bin/pip" install --quiet --upgrade pip || true
      "$SALT_VENV/bin/pip" install --quiet "salt==$SALT_VERSION" || die "pip install salt==$SALT_VERSION failed"
      has_salt "$SALT_VENV" || die "salt $SALT_VERSION is still not importable from $SALT_VENV"
    fi
  fi
fi
SALT_VENV="${SALT_VENV:-$BENCH/venv}"

# 3. The swarm's master holds one socket per minion (and the swarm process
# one per simulated minion): raise the soft open-file limit as far as the
# hard limit allows. bench.py skips swarm sizes that still do not fit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "bench: open-file limit $(ulimit -n)" >&2

# 4. Python 3.11+ for the orchestration (stdlib only): the system one if it
# is recent enough, else the virtualenv's.
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  [ -x "$SALT_VENV/bin/python" ] || die "bench.py needs Python 3.11+"
  PY="$SALT_VENV/bin/python"
fi

# Ctrl-C and SIGTERM reach bench.py, which stops every daemon it started
# before it exits.
status=0
"$PY" "$BENCH/bench.py" --halite-bin "$HALITE_BIN" --salt-venv "$SALT_VENV" "$@" || status=$?

# 5. State runs, masterless: halite call --local vs salt-call --local.
if [ -z "${SKIP_STATES:-}" ]; then
  echo "bench: state runs (bench/states.py)" >&2
  "$PY" "$BENCH/states.py" --halite-bin "$HALITE_BIN" --salt-call "$SALT_VENV/bin/salt-call" || status=1
fi
exit $status
