#!/usr/bin/env bash
# The API path of Maskinporten onboarding, end to end in the embedded sandbox,
# as one non-interactive command sequence: key, client (the sandbox's admin
# client is set up on the way), list, keys, token, rotation, token again.
#
# Usage: SB=/path/to/systembruker scripts/api-path.sh
# Run it with a clean HOME and XDG_* folders: it writes a profile, keys (in
# the OS keychain) and the sandbox's state there. ui/cli/apipath_test.go runs
# it that way. Only bash, grep and sed are used, so that it runs anywhere the
# binary does.
set -euo pipefail

: "${SB:?set SB to the systembruker binary}"
scope=skatteetaten:mvameldingvalidering

fail() {
	echo "api-path: FAIL: $*" >&2
	exit 1
}

# field NAME reads the first "NAME": "value" of indented JSON on stdin.
field() {
	sed -n "s/^ *\"$1\": \"\([^\"]*\)\".*/\1/p" | head -n 1
}

step() { echo "api-path: $*" >&2; }

"$SB" keys rotate --help 2>/dev/null | grep -q 'systembruker keys rotate' ||
	fail "this binary has no \`keys rotate\` command (newKeysRotateCmd must be added under \`keys\`)"

step "keys generate"
"$SB" keys generate --name vendor-key
kid=$("$SB" keys public vendor-key | field kid)
[ -n "$kid" ] || fail "no kid for vendor-key"

step "client create"
created=$("$SB" client create --name "Demo integrasjon" --scope "$scope" --key vendor-key --yes --json)
id=$(printf '%s\n' "$created" | field client_id)
[ -n "$id" ] || fail "client create printed no client_id: $created"
printf '%s\n' "$created" | grep -q "\"$scope\"" || fail "the client lacks $scope: $created"
printf '%s\n' "$created" | grep -q '"altinn:authentication/systemregister.write"' ||
	fail "the client lacks the system-user scopes: $created"

step "client list"
"$SB" client list --json | grep -q "\"client_id\": \"$id\"" || fail "client list does not show $id"

step "client keys list"
keys=$("$SB" client keys list "$id" --json)
printf '%s\n' "$keys" | grep -q "\"kid\": \"$kid\"" || fail "client $id lacks kid $kid: $keys"
printf '%s\n' "$keys" | grep -q '"key_name": "vendor-key"' || fail "kid $kid not matched with vendor-key: $keys"

step "token"
token=$("$SB" token --scope "$scope")
case "$token" in
eyJ*.*.*) ;;
*) fail "token did not print a JWT" ;;
esac

step "keys rotate"
rotated=$("$SB" keys rotate --yes --json)
old=$(printf '%s\n' "$rotated" | field old_kid)
new=$(printf '%s\n' "$rotated" | field new_kid)
[ "$old" = "$kid" ] || fail "rotation replaced $old, want $kid: $rotated"
[ -n "$new" ] && [ "$new" != "$kid" ] || fail "rotation gave no new kid: $rotated"

step "token after rotation"
token=$("$SB" token --no-cache --scope "$scope")
case "$token" in
eyJ*.*.*) ;;
*) fail "token after rotation did not print a JWT" ;;
esac

step "client keys list after rotation"
keys=$("$SB" client keys list "$id" --json)
[ "$(printf '%s\n' "$keys" | grep -c '"kid":')" = 1 ] || fail "client $id should have one key: $keys"
printf '%s\n' "$keys" | grep -q "\"kid\": \"$new\"" || fail "client $id lacks the new kid $new: $keys"
if "$SB" keys public vendor-key >/dev/null 2>&1; then
	fail "the old key vendor-key is still in the keystore"
fi

step "OK: client $id, key $kid rotated to $new"
