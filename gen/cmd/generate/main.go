// Command generate regenerates the packages in api/ and the emulator's server
// stubs from the committed contracts with the pinned oapi-codegen, or, with
// -check, fails when the committed files differ from what it would generate.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/daytona-go/daytona/gen/runner"
)

func main() {
	root := flag.String("root", "..", "repository root (contracts are read from it, code written under it)")
	check := flag.Bool("check", false, "generate into a temporary directory and compare with the committed files")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	if !check {
		files, err := runner.Generate(root, root)
		for _, f := range files {
			fmt.Println("wrote", f)
		}
		return err
	}
	stale, err := runner.Stale(root)
	if err != nil {
		return err
	}
	for _, f := range stale {
		fmt.Fprintln(os.Stderr, "out of date:", f)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%d generated files differ from the pinned oapi-codegen's output; run `make generate`", len(stale))
	}
	fmt.Printf("generated code is up to date (%d files)\n", len(runner.Targets))
	return nil
}
