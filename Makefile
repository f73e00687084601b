# daytona-go. `make demo` runs the quickstart; `make test` runs everything CI runs.

UPSTREAM  ?= ../shared/specs/upstream/v0.205.1
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
BIN       := $(CURDIR)/.bin
GO        ?= go

.PHONY: all specs generate check-generated test test-gen lint vulncheck tools bench fuzz demo clean

all: test

## specs: rebuild openapi.yaml and toolbox-openapi.yaml from $(UPSTREAM) and print what changed
specs:
	cd gen && $(GO) run ./cmd/specs -upstream $(abspath $(UPSTREAM)) -out ..

## generate: regenerate api/ and the emulator's server stubs from the committed contracts
generate:
	cd gen && $(GO) run ./cmd/generate -root ..

## check-generated: fail when the committed contracts or generated code differ from what the pinned tools produce
check-generated:
	cd gen && $(GO) run ./cmd/specs -q -check -upstream $(abspath $(UPSTREAM)) -out ..
	cd gen && $(GO) run ./cmd/generate -check -root ..

## tools: build the linters and the vulnerability-database indexer pinned in gen/go.mod into .bin/
tools:
	cd gen && $(GO) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck golang.org/x/vuln/cmd/govulncheck \
	  golang.org/x/vulndb/cmd/indexdb

## lint: gofmt, go vet and staticcheck over both modules
lint: tools
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd gen && $(GO) vet ./...
	$(BIN)/staticcheck ./...
	cd gen && $(BIN)/staticcheck ./...

## vulncheck: govulncheck (pinned in gen/) over both modules, offline. The Go vulnerability
## database is not fetched from vuln.go.dev: it is the module golang.org/x/vulndb, pinned in
## gen/go.mod and downloaded like any module through the Go module proxy. Its OSV entries
## (data/osv) are indexed into .bin/vulndb by its own cmd/indexdb (pinned there as a tool), and
## govulncheck reads that with -db file://. The database is as fresh as the date in the vulndb
## pseudo-version in gen/go.mod (v0.0.0-YYYYMMDDhhmmss-commit); to refresh it:
##   cd gen && go get golang.org/x/vulndb@latest   (then make vulncheck; commit gen/go.mod, gen/go.sum)
## Standard-library findings depend on the Go toolchain that runs the check: a newer toolchain
## fixes them, not a change to this module. The scan runs with VULN_GO (a patched release, which
## the go command takes from the module proxy like any module), whatever Go builds the rest.
VULNDB  := $(BIN)/vulndb
VULN_GO ?= go1.26.10
vulncheck: tools
	rm -rf $(VULNDB)
	cd gen && $(GO) mod download golang.org/x/vulndb && \
	  $(BIN)/indexdb -vulns "$$($(GO) list -m -f '{{.Dir}}' golang.org/x/vulndb)/data/osv" -out $(VULNDB)
	GOTOOLCHAIN=$(VULN_GO) $(BIN)/govulncheck -db file://$(VULNDB) ./...
	cd gen && GOTOOLCHAIN=$(VULN_GO) $(BIN)/govulncheck -db file://$(VULNDB) ./...

## test-gen: the spec pipeline's and generator's own tests (including the v0.190.0 regeneration)
test-gen:
	cd gen && $(GO) test ./...

## test: everything CI runs
test: check-generated lint vulncheck test-gen
	$(GO) test -race -count=1 ./...

## bench: the benchmark suite, each benchmark beside its baseline in the same run (one package at a
## time); the raw output goes to bench.txt and the table of ratios into BENCHMARKS.md
bench:
	$(GO) test -p 1 -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 30m ./... > bench.txt \
	  || { cat bench.txt; exit 1; }
	@cat bench.txt
	$(GO) run ./internal/cmd/benchtable -in bench.txt -md BENCHMARKS.md \
	  -pair imagebuilder.WriteTar=CopyBaseline -pair imagebuilder.Hash=MD5Baseline

## fuzz: every fuzz target for $(FUZZTIME) each (seed corpora: testdata/fuzz/FuzzXxx in each package;
## a crasher is written there too); FUZZ=regexp picks targets by name
FUZZ ?= .
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./gen/' | sort); do \
	  pkg=./$$(dirname $${f#./}); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2 | grep -E -e '$(FUZZ)'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## demo: the quickstart, against the emulator unless DAYTONA_API_KEY is set
demo:
	$(GO) run ./examples/quickstart

clean:
	rm -rf $(BIN)
