// Package doccheck holds the repository's documentation checks, as tests:
// every exported identifier of hand-written code has a doc comment, every
// package has a package comment, every importable package has an Example,
// and README.md stays in step with the code (its quickstart is the compiled
// facade Example, and it names every Config field, environment variable,
// error sentinel and example). Run them with
//
//	go test ./internal/doccheck
package doccheck
