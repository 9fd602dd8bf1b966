.PHONY: test build bench

# The one test command (see README): gofmt, vet, race tests against the real keychain.
test:
	scripts/test.sh

build:
	go build -o bin/systembruker ./cmd/tui

bench:
	bench/run.sh
