#!/bin/sh
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so keytar talks to a real
# Secret Service (libsecret) exactly as on a clinician's Linux desktop. Used by the tests, and by `npm start`
# on a machine with no desktop session (no session bus), where there is otherwise no keystore at all.
set -e
if [ -z "${WESSEX_KEYRING_READY:-}" ]; then
  export WESSEX_KEYRING_READY=1
  exec dbus-run-session -- "$0" "$@"
fi
printf '%s' "${WESSEX_KEYRING_PASSWORD:-wessex-test-keyring}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
