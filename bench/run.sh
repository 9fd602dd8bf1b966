#!/usr/bin/env bash
# The token benchmark of issue 3; run it with `make bench`. Method and
# figures: bench/README.md.
#
# It times cold `systembruker token` processes against the floor (a minimal
# Go program that reads the same key from the keychain, signs one grant and
# POSTs it), alternating them round by round against `systembruker sim serve`
# on loopback, and prints PASS/FAIL per goal. It is a report: it exits 0
# whether goals pass or fail, and non-zero only when it cannot measure.
#
# Everything runs in a private world: temporary HOME and XDG_* folders and a
# private D-Bus session with a throw-away gnome-keyring, so your own config,
# cache and keychain are never touched. All of it is deleted at the end.
#
# Settings (environment): BENCH_ROUNDS (default 300) and BENCH_ROUNDS_LATENCY
# (default 150) measured rounds, BENCH_WARMUP (default 5) discarded rounds,
# BENCH_SEED (default: from the clock), BENCH_OUT (a folder to keep the JSON
# results in).
set -euo pipefail

scope=skatteetaten:mvameldingvalidering # granted to the seeded vendor
vendor=310000000                        # the seeded vendor, Demo Regnskap AS

if [[ -z "${SYSTEMBRUKER_BENCH_WORK:-}" ]]; then
	for tool in go dbus-run-session dbus-send gnome-keyring-daemon openssl curl jq; do
		command -v "$tool" >/dev/null || {
			echo "bench: $tool is missing (Debian/Ubuntu: apt install golang dbus gnome-keyring openssl curl jq)" >&2
			exit 1
		}
	done
	root=$(cd "$(dirname "$0")/.." && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/systembruker-bench.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# Build with the caller's Go caches, before HOME changes.
	echo "bench: building into $work/bin"
	(cd "$root" &&
		go build -o "$work/bin/systembruker" ./cmd/tui &&
		go build -o "$work/bin/floor" ./bench/floor &&
		go build -o "$work/bin/floorpem" ./bench/floorpem &&
		go build -o "$work/bin/compare" ./bench/compare)
	mkdir -p "$work"/{home,config,data,state,cache,run,keyrings,pem,sim}
	chmod 700 "$work"/*
	# WHY always a private bus, even in a desktop session: the Secret Service
	# on the user's bus is the user's real keychain.
	unset DBUS_SESSION_BUS_ADDRESS SYSTEMBRUKER_CA_FILE SYSTEMBRUKER_PASSPHRASE \
		SYSTEMBRUKER_MASKINPORTEN_URL SYSTEMBRUKER_SELFSERVICE_URL SYSTEMBRUKER_ALTINN_URL SYSTEMBRUKER_ALTINN_UI_URL
	HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data \
		XDG_STATE_HOME=$work/state XDG_CACHE_HOME=$work/cache XDG_RUNTIME_DIR=$work/run \
		SYSTEMBRUKER_BENCH_WORK=$work \
		dbus-run-session -- "$0" "$@"
	exit
fi

# From here on: inside the private session.
work=$SYSTEMBRUKER_BENCH_WORK
bin=$work/bin
sim_pid=
keyring_pid=

cleanup() {
	if [[ -n "$sim_pid" ]]; then stop_sim; fi
	if [[ -n "$keyring_pid" ]]; then kill "$keyring_pid" 2>/dev/null || true; fi
	rm -rf "$work/pem" # the one plain PEM, for floor-pem; the outer shell removes the rest
}
trap cleanup EXIT

# The throw-away keyring; the daemon keeps it under $XDG_DATA_HOME/keyrings.
eval "$(printf 'systembruker-bench' | XDG_DATA_HOME=$work/keyrings gnome-keyring-daemon --daemonize --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
# The daemon claims its bus name just after --daemonize returns; a keychain
# call before that would make D-Bus activate a second, locked daemon.
for _ in $(seq 50); do
	keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
		awk '/uint32/ {print $2}') && [[ -n "$keyring_pid" ]] && break
	sleep 0.1
done
[[ -n "$keyring_pid" ]] || { echo "bench: gnome-keyring did not start on the private bus" >&2; exit 1; }

# start_sim LATENCY: serve the simulator on a fresh loopback port, over plain
# HTTP (see README: both sides pay the same transport), with the state kept
# across restarts, and export its URLs.
start_sim() {
	rm -f "$work/sim/env"
	"$bin/systembruker" sim serve --addr 127.0.0.1:0 --latency "$1" \
		--state "$work/sim/state.json" --env-file "$work/sim/env" >"$work/sim/log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 100); do
		[[ -s "$work/sim/env" ]] && break
		kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim/log" >&2; exit 1; }
		sleep 0.1
	done
	# shellcheck disable=SC1091
	source "$work/sim/env"
	control=${SYSTEMBRUKER_MASKINPORTEN_URL%/maskinporten}/sim
}

stop_sim() {
	kill -INT "$sim_pid" 2>/dev/null || true
	wait "$sim_pid" 2>/dev/null || true
	sim_pid=
}

start_sim 0

# The key `systembruker token` and the floor use, made by the CLI; and a key
# for floor-pem, made as a plain PEM file in the temp folder (outside the
# tool's folders, deleted at the end) and imported so the client knows it.
"$bin/systembruker" keys generate --name bench --json >"$work/key.json"
kid=$(jq -r .kid "$work/key.json")
(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/pem/key.pem" 2>"$work/openssl.log") ||
	{ cat "$work/openssl.log" >&2; exit 1; }
kid_pem=$("$bin/systembruker" keys import --name bench-pem --pem "$work/pem/key.pem" --json | jq -r .kid)
jwks=$(jq -s '{keys: [.[].keys[]]}' \
	<("$bin/systembruker" keys public bench --jwks) <("$bin/systembruker" keys public bench-pem --jwks))
client_id=$(jq -n --arg org "$vendor" --arg scope "$scope" --argjson jwks "$jwks" \
	'{org_no: $org, client_name: "systembruker benchmark", scopes: [$scope], keys: $jwks}' |
	curl -sSf -X POST -H 'Content-Type: application/json' --data-binary @- "$control/clients" | jq -r .client_id)

token=("$bin/systembruker" token --scope "$scope" --client-id "$client_id" --key bench)
floor_args=(-scope "$scope" -client-id "$client_id")

# The compare specs are built one command per statement, so that a failure
# stops the script (set -e does not see failures inside $(...) arguments).
jarr() { jq -nc '$ARGS.positional' --args -- "$@"; } # argv as a JSON array
new_spec() { # new_spec FILE TITLE
	jq -n --arg title "$2" '{title: $title, rounds: 1, warmup: 0, commands: []}' >"$1"
}
add() { # add FILE FIELDS ARGV...: a command with the JSON object FIELDS (name, baseline, goal, pre...)
	local file=$1 fields=$2 argv
	shift 2
	argv=$(jarr "$@")
	jq --argjson f "$fields" --argjson argv "$argv" '.commands += [$f + {argv: $argv}]' "$file" >"$file.tmp"
	mv "$file.tmp" "$file"
}
add_floors() { # add_floors FILE: the two floors, against the running simulator
	add "$1" '{"name": "floor", "baseline": "floor-pem"}' "$bin/floor" \
		-maskinporten-url "$SYSTEMBRUKER_MASKINPORTEN_URL" "${floor_args[@]}" -kid "$kid" -account key:bench
	add "$1" '{"name": "floor-pem"}' "$bin/floorpem" \
		-maskinporten-url "$SYSTEMBRUKER_MASKINPORTEN_URL" "${floor_args[@]}" -kid "$kid_pem" -pem "$work/pem/key.pem"
}

compare() { # compare SPECFILE ROUNDS
	local extra=()
	[[ -n "${BENCH_SEED:-}" ]] && extra+=(-seed "$BENCH_SEED")
	"$bin/compare" -spec "$1" -rounds "$2" -warmup "${BENCH_WARMUP:-5}" \
		-json "${1%.json}.result.json" -summary "$work/summary" "${extra[@]}"
}

echo
echo "bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3-), Linux $(uname -r)"
# Other work on the machine widens the spread (alternation cancels drift,
# not noise), so say how busy it was.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "bench: load average $(loadavg) (1, 5, 15 min) at the start"
if awk -v cores="$(nproc)" '{exit !($1 > cores / 2)}' /proc/loadavg; then
	echo "bench: WARNING: the machine is busy; the figures will be noisy (see the 95% CI column)"
fi
echo "bench: client $client_id, scope $scope, RSA-2048 keys, simulator on $SYSTEMBRUKER_MASKINPORTEN_URL"
echo

# Pre steps: a cached run before each hit (itself a hit, or a refresh when
# the token nears expiry), and deleting the cache's entries, not its folder,
# before each miss (as when the cached token has expired).
prime=$(jarr "${token[@]}")
wipe=$(jarr sh -c 'rm -f "$1"/*.json' sh "$XDG_CACHE_HOME/systembruker/tokens")

# 1. Cold token command against the floor, no latency. A hit must print the
# token its priming run printed. The two start-up rows (`floor -h` and
# `systembruker --version`: process start and package init, no work) show
# how much of the difference is start-up.
s=$work/nolatency.json
new_spec "$s" "loopback, no latency: cold token command vs the floor; floor vs floor-pem"
add_floors "$s"
add "$s" '{"name": "token --no-cache", "baseline": "floor", "goal": 1.10}' "${token[@]}" --no-cache
add "$s" '{"name": "token (cache miss)", "baseline": "floor", "goal": 1.10, "pre": '"$wipe"'}' "${token[@]}"
add "$s" '{"name": "token (cache hit)", "baseline": "floor", "pre": '"$prime"', "same_output_as_pre": true}' "${token[@]}"
add "$s" '{"name": "start-up: floor -h"}' "$bin/floor" -h
add "$s" '{"name": "start-up: systembruker --version", "baseline": "start-up: floor -h"}' "$bin/systembruker" --version
compare "$s" "${BENCH_ROUNDS:-300}"

# 2. With 50 ms injected by the simulator, as over the internet: a cache hit
# against the floor.
stop_sim
start_sim 50ms
s=$work/latency.json
new_spec "$s" "simulator latency 50 ms: cache hit vs the floor"
add_floors "$s"
add "$s" '{"name": "token (cache hit)", "baseline": "floor", "goal": 0.30, "pre": '"$prime"', "same_output_as_pre": true}' "${token[@]}"
add "$s" '{"name": "token --no-cache", "baseline": "floor"}' "${token[@]}" --no-cache
compare "$s" "${BENCH_ROUNDS_LATENCY:-150}"

# 3. Package initialisation (GODEBUG=inittrace=1), which load disturbs far
# less than wall time: the summed init clock of one start, median of 31.
init_time() { # init_time NAME ARGV...
	local name=$1
	shift
	for _ in $(seq 31); do
		GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | awk '/^init / {t += $5; n++} END {printf "%.3f %d\n", t, n}'
	done | sort -n | awk -v name="$name" 'NR == 16 {printf "init  %s: %.2f ms in %d packages (median of 31 starts)\n", name, $1, $2}'
}
{
	init_time "floor -h" "$bin/floor" -h
	init_time "systembruker --version" "$bin/systembruker" --version
} | tee -a "$work/summary"

if [[ -n "${BENCH_OUT:-}" ]]; then
	mkdir -p "$BENCH_OUT"
	cp "$work"/*.result.json "$BENCH_OUT"/
fi
echo "== summary (load average $(loadavg) at the end)"
cat "$work/summary"
exit 0
