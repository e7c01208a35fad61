#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so keytar talks to a real
# Secret Service (libsecret) exactly as on a clinician's Linux desktop. Used by the tests, and by `npm start`
# on a machine with no desktop session (no session bus), where there is otherwise no keystore at all.
#
# WESSEX_KEYRING_HOME=temporary keeps the keyring file in a fresh folder, removed afterwards (the tests: they
# must neither touch the user's own login keyring nor leave secrets behind). Otherwise the keyring is the
# user's usual one, so the offline store's key survives from one `npm start` to the next.
set -e
if [ -z "${WESSEX_KEYRING_READY:-}" ]; then
  export WESSEX_KEYRING_READY=1
  exec dbus-run-session -- "$0" "$@"
fi
password="${WESSEX_KEYRING_PASSWORD:-wessex-test-keyring}"
if [ "${WESSEX_KEYRING_HOME:-}" = "temporary" ]; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Only the daemon looks here for keyrings; the command keeps the caller's XDG_DATA_HOME.
  printf '%s' "$password" | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  "$@"
  exit $?
fi
printf '%s' "$password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
