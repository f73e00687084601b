// Package specpipe turns the contracts that upstream Daytona publishes into the
// two files this repository generates code from: openapi.yaml (control plane)
// and toolbox-openapi.yaml (per-sandbox toolbox).
//
// The pipeline is: load (converting Swagger 2.0 to OpenAPI 3 with kin-openapi's
// openapi2conv), apply a fixed list of named normalisation steps, validate the
// result with kin-openapi, and write it as YAML with sorted keys so that the
// same input always gives the same bytes. Each step is mechanical: it finds
// the pattern it fixes anywhere in the document, so it keeps working when
// upstream adds operations, and it reports how many places it changed, so a
// step that upstream made unnecessary shows up as "0 changes".
package specpipe
