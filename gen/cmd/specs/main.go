// Command specs builds openapi.yaml and toolbox-openapi.yaml from the
// upstream Daytona contracts and prints what changed against the committed
// ones.
//
//	go run ./cmd/specs -upstream ../../shared/specs/upstream/v0.205.1 -out ..
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/daytona-go/daytona/gen/specpipe"
)

func main() {
	upstream := flag.String("upstream", "", "directory with upstream api.json (or api.yaml) and toolbox.json")
	out := flag.String("out", ".", "directory to write openapi.yaml and toolbox-openapi.yaml into")
	quiet := flag.Bool("q", false, "print only errors")
	check := flag.Bool("check", false, "write nothing; fail when the files in -out differ from what would be written")
	flag.Parse()
	if *upstream == "" {
		fmt.Fprintln(os.Stderr, "specs: -upstream is required")
		os.Exit(2)
	}
	w := io.Writer(os.Stdout)
	if *quiet {
		w = io.Discard
	}
	if err := run(w, *upstream, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "specs:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, upstream, out string, check bool) error {
	cp, tb, err := specpipe.Build(upstream)
	if err != nil {
		return err
	}
	if !check {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	var stale []string
	for _, s := range []*specpipe.Spec{cp, tb} {
		fmt.Fprintf(w, "%s: normalisation steps\n", s.Name)
		for _, r := range s.Report {
			fmt.Fprintf(w, "  %-36s %d changes\n", r.Step, r.Changes)
		}
		data, err := s.YAML()
		if err != nil {
			return err
		}
		path := filepath.Join(out, s.Name)
		old, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(w, "%s: new file\n", s.Name)
		case err != nil:
			return err
		case bytes.Equal(old, data):
			fmt.Fprintf(w, "%s: unchanged\n", s.Name)
			continue
		default:
			if err := printChanges(w, s, old); err != nil {
				return err
			}
		}
		if check {
			stale = append(stale, s.Name)
			continue
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("%v differ from the pipeline's output for %s; run `make specs`", stale, upstream)
	}
	return nil
}

func printChanges(w io.Writer, s *specpipe.Spec, old []byte) error {
	oldDoc, err := openapi3.NewLoader().LoadFromData(old)
	if err != nil {
		return fmt.Errorf("reading committed %s: %w", s.Name, err)
	}
	newDoc, err := s.Validate()
	if err != nil {
		return err
	}
	ch, err := specpipe.Compare(oldDoc, newDoc)
	if err != nil {
		return fmt.Errorf("comparing %s: %w", s.Name, err)
	}
	ch.Print(w, s.Name)
	return nil
}
