#!/usr/bin/env bash
# The project's test command (README: `make test`). It runs on a fresh Debian
# machine: it installs the Secret Service (gnome-keyring, dbus) and tmux when
# run as root, then runs gofmt, go vet and the race-enabled tests inside a
# private D-Bus session with an unlocked gnome-keyring, so the keystore tests
# hit the real OS keychain.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v tmux >/dev/null || need+=(tmux)
if ((${#need[@]})); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "test.sh: installing ${need[*]} from Debian" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	else
		echo "test.sh: missing ${need[*]}: install them (Debian/Ubuntu: sudo apt-get install ${need[*]}) and run again" >&2
		exit 1
	fi
fi

# A failed check does not stop the tests: the closing line of
# test-in-session.sh counts it (SYSTEMBRUKER_TEST_FAILED_CHECKS), so the run
# always ends with "N passed, N failed" and fails as a whole.
failed=()
echo "== gofmt" >&2
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$bad" >&2
	failed+=(gofmt)
fi

echo "== go vet" >&2
go vet ./... || failed+=("go vet")

echo "== go test -race (inside a private D-Bus session with gnome-keyring)" >&2
SYSTEMBRUKER_TEST_FAILED_CHECKS=$(IFS=,; echo "${failed[*]}") \
	exec dbus-run-session -- scripts/test-in-session.sh "$@"
