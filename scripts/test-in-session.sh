#!/usr/bin/env bash
# Runs inside dbus-run-session (see test.sh): starts gnome-keyring on this
# private bus with a throw-away login keyring, so a developer's own keyring is
# never touched, then runs the tests.
set -euo pipefail
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
# The daemon keeps its keyrings under $XDG_DATA_HOME/keyrings; give it a fresh one.
eval "$(printf 'systembruker-ci' | XDG_DATA_HOME="$keyrings" gnome-keyring-daemon --daemonize --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SYSTEMBRUKER_TEST_KEYCHAIN=1
# go test -json feeds testsummary, which prints what plain go test would and
# ends with "N passed, N failed[, N skipped]", counting the checks test.sh
# saw fail; any failure fails the run.
go build -o "$keyrings/testsummary" "$(cd "$(dirname "$0")" && pwd)/testsummary"
go test -race -count=1 -json "${@:-./...}" |
	"$keyrings/testsummary" -failed "${SYSTEMBRUKER_TEST_FAILED_CHECKS:-}"
