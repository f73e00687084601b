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

## tools: build the linters pinned in gen/go.mod into .bin/
tools:
	cd gen && $(GO) build -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck golang.org/x/vuln/cmd/govulncheck

## lint: gofmt, go vet and staticcheck over both modules
lint: tools
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd gen && $(GO) vet ./...
	$(BIN)/staticcheck ./...
	cd gen && $(BIN)/staticcheck ./...

## vulncheck: govulncheck (pinned in gen/) over the main module. It needs the
## Go vulnerability database (vuln.go.dev), which this project's CI machines
## cannot reach, so it is not part of `make test`.
vulncheck: tools
	$(BIN)/govulncheck ./...

## test-gen: the spec pipeline's and generator's own tests (including the v0.190.0 regeneration)
test-gen:
	cd gen && $(GO) test ./...

## test: everything CI runs
test: check-generated lint test-gen
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
