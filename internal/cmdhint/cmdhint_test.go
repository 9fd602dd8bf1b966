package cmdhint

import "testing"

func TestApply(t *testing.T) {
	test := Flags{Env: "test"}
	all := Flags{Env: "prod", Profile: "acme", Keystore: "file"}
	tests := []struct {
		name  string
		flags Flags
		msg   string
		want  string
	}{
		{"no flags", Flags{}, "see `systembruker keys list`", "see `systembruker keys list`"},
		{"env", test, "see `systembruker keys list`", "see `systembruker --env test keys list`"},
		{"all three", all, "run `systembruker keys rotate`",
			"run `systembruker --env prod --profile acme --keystore file keys rotate`"},
		{"profile only", Flags{Profile: "acme"}, "`systembruker token --scope a:b`",
			"`systembruker --profile acme token --scope a:b`"},
		{"program alone", test, "(see `systembruker`)", "(see `systembruker --env test`)"},
		{"help", test, "(see `systembruker --help`)", "(see `systembruker --env test --help`)"},
		{"every span", test, "create one with `systembruker client create` or record one with `systembruker client use`",
			"create one with `systembruker --env test client create` or record one with `systembruker --env test client use`"},
		{"pipeline", test, "pipe one in (`systembruker token … | systembruker token inspect`)",
			"pipe one in (`systembruker --env test token … | systembruker --env test token inspect`)"},
		{"and-list", test, "`systembruker keys generate && systembruker keys list`",
			"`systembruker --env test keys generate && systembruker --env test keys list`"},
		{"command substitution", test, "`export TOKEN=$(systembruker token)`",
			"`export TOKEN=$(systembruker --env test token)`"},
		{"flag already given", test, "run `systembruker --env test client use ID`", "run `systembruker --env test client use ID`"},
		{"flag already given with =", all, "run `systembruker --env=test client use ID`",
			"run `systembruker --profile acme --keystore file --env=test client use ID`"},
		{"flag given in one command only", test, "`systembruker --env prod token | systembruker token inspect`",
			"`systembruker --env prod token | systembruker --env test token inspect`"},
		{"outside backticks", test, "systembruker keys list failed", "systembruker keys list failed"},
		{"another program", test, "run `go test ./...` or `openssl genpkey`", "run `go test ./...` or `openssl genpkey`"},
		{"a longer word", test, "`systembrukerx keys list`", "`systembrukerx keys list`"},
		{"not at the start", test, "`sudo systembruker keys list`", "`sudo systembruker keys list`"},
		{"unclosed backtick", test, "see `systembruker keys list", "see `systembruker keys list"},
		{"closed then unclosed", test, "see `systembruker keys list` and `systembruker",
			"see `systembruker --env test keys list` and `systembruker"},
		{"leading space kept", test, "` systembruker keys list`", "` systembruker --env test keys list`"},
		{"multi-line", test, "a\n`systembruker keys list`\nb", "a\n`systembruker --env test keys list`\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.flags.Apply(tt.msg); got != tt.want {
				t.Errorf("Apply(%q)\n got %q\nwant %q", tt.msg, got, tt.want)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	f := Flags{Env: "test", Profile: "acme"}
	for _, tt := range []struct{ in, want string }{
		{"systembruker keys rotate", "systembruker --env test --profile acme keys rotate"},
		{"systembruker --env prod keys rotate", "systembruker --profile acme --env prod keys rotate"},
		{"", ""},
		{"openssl genpkey", "openssl genpkey"},
	} {
		if got := f.Command(tt.in); got != tt.want {
			t.Errorf("Command(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
