package specpipe

import (
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
)

// ToolboxSteps are applied, in order, to the converted toolbox contract.
var ToolboxSteps = []Step{
	{
		Name: "wildcard-request-bodies-as-json",
		Why: "swag gives operations without an @Accept comment a '*/*' request body; " +
			"oapi-codegen then only emits an untyped ...WithBody method, and the daemon reads JSON",
		Apply: wildcardBodiesAsJSON,
	},
	{
		Name: "text-plain-responses-as-strings",
		Why: "the text/plain alternatives of the log endpoints reuse the JSON object schema; " +
			"plain text is a string, and validating real logs against an object fails",
		Apply: textPlainAsString,
	},
	{
		Name: "error-responses-as-json",
		Why: "an operation's @Produce list (octet-stream, text/plain) leaks onto its error responses, " +
			"which are always JSON; an object schema under octet-stream cannot be satisfied by any body",
		Apply: errorResponsesAsJSON,
	},
	{
		Name: "multipart-responses-as-parts",
		Why: "bulk download answers repeated 'file' (binary) and 'error' (JSON) parts, " +
			"but the spec gives the map type gin.H, which a multipart decoder cannot apply",
		Apply: multipartResponsesAsParts,
	},
	{
		Name: "free-form-maps",
		Why: "swag renders map[string]any as additionalProperties {} or {type: object}; " +
			"the latter rejects {\"message\":\"ok\"} and generates map[string]map[string]any",
		Apply: freeFormMaps,
	},
}

// ControlPlaneSteps are applied, in order, to the control-plane contract.
var ControlPlaneSteps = []Step{
	{
		Name: "merge-equivalent-paths",
		Why: "v0.205.1 declares GET /sandbox/{sandboxId}/secrets and PUT /sandbox/{sandboxIdOrName}/secrets: " +
			"one template under two parameter names, which OpenAPI forbids (kin-openapi rejects the document, " +
			"and routers cannot register both); the operations are merged under the lexically first template",
		Apply: mergeEquivalentPaths,
	},
	{
		Name: "drop-deprecated-toolbox-proxy",
		Why: "before v0.191 the control plane also served the toolbox API under /toolbox/{sandboxId}/toolbox " +
			"(68 deprecated operations tagged 'toolbox'); the toolbox client covers them, and one of them " +
			"declares a multipart array body that kin-openapi cannot validate",
		Apply: dropToolboxProxy,
	},
	{
		Name:  "integer-port-parameters",
		Why:   "port path parameters are declared 'type: number', which generates float64 ports",
		Apply: integerPortParams,
	},
	{
		Name:  "free-form-maps",
		Why:   "as for the toolbox: additionalProperties {type: object} on maps of arbitrary values",
		Apply: freeFormMaps,
	},
}

// swagger2MultipartWithoutForm lists "METHOD path" of operations that consume
// multipart/form-data but document no formData parameter (swag emits this
// for handlers that read parts by computed names, such as bulk upload's
// files[i].path and files[i].file). openapi2conv then emits no request body
// at all, and the generated client has no way to send one.
func swagger2MultipartWithoutForm(doc *openapi2.T) []opKey {
	var out []opKey
	for path, item := range doc.Paths {
		for method, op := range item.Operations() {
			multipart := false
			for _, c := range op.Consumes {
				multipart = multipart || c == "multipart/form-data"
			}
			if !multipart {
				continue
			}
			hasBody := false
			for _, p := range op.Parameters {
				hasBody = hasBody || p.In == "formData" || p.In == "body"
			}
			if !hasBody {
				out = append(out, opKey{strings.ToLower(method), path})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

type opKey struct{ method, path string }

// addMultipartBodies is the step "multipart-bodies-without-fields"; it runs
// during loading because it needs the Swagger 2.0 `consumes` lists. Parts
// with any name are accepted (additionalProperties: true; kin-openapi's
// multipart decoder skips unknown parts only with `true`).
func addMultipartBodies(doc map[string]any, ops []opKey) int {
	n := 0
	for _, k := range ops {
		op := dig(doc, "paths", k.path, k.method)
		if op == nil || op["requestBody"] != nil {
			continue
		}
		op["requestBody"] = map[string]any{
			"required": true,
			"content": map[string]any{
				"multipart/form-data": map[string]any{
					"schema": map[string]any{"type": "object", "additionalProperties": true},
				},
			},
		}
		n++
	}
	return n
}

func wildcardBodiesAsJSON(doc map[string]any) int {
	n := 0
	eachOperation(doc, func(_, _ string, op map[string]any) {
		content := dig(op, "requestBody", "content")
		if content == nil || len(content) != 1 || content["*/*"] == nil {
			return
		}
		content["application/json"] = content["*/*"]
		delete(content, "*/*")
		n++
	})
	return n
}

func textPlainAsString(doc map[string]any) int {
	n := 0
	eachResponse(doc, func(status string, resp map[string]any) {
		mt := dig(resp, "content", "text/plain")
		if !strings.HasPrefix(status, "2") {
			return // error-responses-as-json handles these
		}
		if mt == nil {
			return
		}
		if s, _ := mt["schema"].(map[string]any); s != nil && s["type"] == "string" {
			return
		}
		mt["schema"] = map[string]any{"type": "string"}
		n++
	})
	return n
}

func errorResponsesAsJSON(doc map[string]any) int {
	n := 0
	eachResponse(doc, func(status string, resp map[string]any) {
		if strings.HasPrefix(status, "2") {
			return
		}
		content := dig(resp, "content")
		for _, ct := range sortedKeys(content) {
			if ct == "application/json" {
				continue
			}
			if content["application/json"] == nil {
				content["application/json"] = content[ct]
			}
			delete(content, ct)
			n++
		}
	})
	return n
}

func multipartResponsesAsParts(doc map[string]any) int {
	n := 0
	eachResponse(doc, func(status string, resp map[string]any) {
		if !strings.HasPrefix(status, "2") {
			return
		}
		mt := dig(resp, "content", "multipart/form-data")
		if mt == nil {
			return
		}
		if s, _ := mt["schema"].(map[string]any); s != nil && s["properties"] != nil {
			return
		}
		mt["schema"] = map[string]any{
			"type":                 "object",
			"additionalProperties": true,
			"properties": map[string]any{
				"file": map[string]any{
					"type":  "array",
					"items": map[string]any{"type": "string", "format": "binary"},
				},
				"error": map[string]any{
					"type":  "array",
					"items": map[string]any{"type": "object", "additionalProperties": true},
				},
			},
		}
		n++
	})
	return n
}

// freeFormMaps rewrites additionalProperties that are an empty schema or a
// bare {type: object} to `true`, everywhere in the document.
func freeFormMaps(doc map[string]any) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if ap, ok := t["additionalProperties"].(map[string]any); ok && isBareObject(ap) {
				t["additionalProperties"] = true
				n++
			}
			for _, k := range sortedKeys(t) {
				walk(t[k])
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(doc)
	return n
}

func isBareObject(s map[string]any) bool {
	switch len(s) {
	case 0:
		return true
	case 1:
		return s["type"] == "object"
	}
	return false
}

func dropToolboxProxy(doc map[string]any) int {
	paths := dig(doc, "paths")
	n := 0
	for _, p := range sortedKeys(paths) {
		if !strings.HasPrefix(p, "/toolbox/{sandboxId}/toolbox/") {
			continue
		}
		item, _ := paths[p].(map[string]any)
		for m, op := range item {
			opm, _ := op.(map[string]any)
			if opm != nil && hasTag(opm, "toolbox") {
				delete(item, m)
				n++
			}
		}
		if !hasOperations(item) {
			delete(paths, p)
		}
	}
	return n
}

func integerPortParams(doc map[string]any) int {
	n := 0
	fix := func(params any) {
		list, _ := params.([]any)
		for _, p := range list {
			pm, _ := p.(map[string]any)
			if pm == nil || pm["in"] != "path" || pm["name"] != "port" {
				continue
			}
			if s, _ := pm["schema"].(map[string]any); s != nil && s["type"] == "number" {
				s["type"] = "integer"
				n++
			}
		}
	}
	paths := dig(doc, "paths")
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		fix(item["parameters"])
	}
	eachOperation(doc, func(_, _ string, op map[string]any) { fix(op["parameters"]) })
	return n
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func hasOperations(item map[string]any) bool {
	for _, m := range httpMethods {
		if item[m] != nil {
			return true
		}
	}
	return false
}

func hasTag(op map[string]any, tag string) bool {
	tags, _ := op["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func eachOperation(doc map[string]any, fn func(path, method string, op map[string]any)) {
	paths := dig(doc, "paths")
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, m := range httpMethods {
			if op, _ := item[m].(map[string]any); op != nil {
				fn(p, m, op)
			}
		}
	}
}

func eachResponse(doc map[string]any, fn func(status string, resp map[string]any)) {
	eachOperation(doc, func(_, _ string, op map[string]any) {
		responses, _ := op["responses"].(map[string]any)
		for _, status := range sortedKeys(responses) {
			if r, _ := responses[status].(map[string]any); r != nil {
				fn(status, r)
			}
		}
	})
}

// dig walks nested objects; it returns nil when any key is missing.
func dig(m map[string]any, keys ...string) map[string]any {
	cur := m
	for _, k := range keys {
		next, _ := cur[k].(map[string]any)
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

func mergeEquivalentPaths(doc map[string]any) int {
	paths := dig(doc, "paths")
	first := map[string]string{} // shape -> kept template
	n := 0
	for _, p := range sortedKeys(paths) {
		shape := pathParam.ReplaceAllString(p, "{}")
		keep, seen := first[shape]
		if !seen {
			first[shape] = p
			continue
		}
		from, _ := paths[p].(map[string]any)
		into, _ := paths[keep].(map[string]any)
		rename := map[string]string{}
		oldNames, newNames := pathParam.FindAllString(p, -1), pathParam.FindAllString(keep, -1)
		for i := range oldNames {
			rename[strings.Trim(oldNames[i], "{}")] = strings.Trim(newNames[i], "{}")
		}
		for _, m := range httpMethods {
			op, _ := from[m].(map[string]any)
			if op == nil || into[m] != nil {
				continue
			}
			renameParams(op["parameters"], rename)
			into[m] = op
			delete(from, m)
			n++
		}
		renameParams(from["parameters"], rename)
		if !hasOperations(from) {
			delete(paths, p)
		}
	}
	return n
}

func renameParams(params any, rename map[string]string) {
	list, _ := params.([]any)
	for _, p := range list {
		pm, _ := p.(map[string]any)
		if pm == nil || pm["in"] != "path" {
			continue
		}
		if to, ok := rename[pm["name"].(string)]; ok {
			pm["name"] = to
		}
	}
}
