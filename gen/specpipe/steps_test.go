package specpipe

import (
	"encoding/json"
	"reflect"
	"testing"
)

func parse(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSteps(t *testing.T) {
	tests := []struct {
		name    string
		apply   func(map[string]any) int
		in      string
		want    string
		changes int
	}{
		{
			name:    "wildcard body becomes JSON",
			apply:   wildcardBodiesAsJSON,
			in:      `{"paths":{"/init":{"post":{"requestBody":{"content":{"*/*":{"schema":{"$ref":"#/x"}}}}}}}}`,
			want:    `{"paths":{"/init":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/x"}}}}}}}}`,
			changes: 1,
		},
		{
			name:    "wildcard beside another type is left alone",
			apply:   wildcardBodiesAsJSON,
			in:      `{"paths":{"/a":{"post":{"requestBody":{"content":{"*/*":{},"text/plain":{}}}}}}}`,
			want:    `{"paths":{"/a":{"post":{"requestBody":{"content":{"*/*":{},"text/plain":{}}}}}}}`,
			changes: 0,
		},
		{
			name:    "text/plain success becomes a string",
			apply:   textPlainAsString,
			in:      `{"paths":{"/l":{"get":{"responses":{"200":{"content":{"text/plain":{"schema":{"$ref":"#/o"}}}},"404":{"content":{"text/plain":{"schema":{"$ref":"#/e"}}}}}}}}}`,
			want:    `{"paths":{"/l":{"get":{"responses":{"200":{"content":{"text/plain":{"schema":{"type":"string"}}}},"404":{"content":{"text/plain":{"schema":{"$ref":"#/e"}}}}}}}}}`,
			changes: 1,
		},
		{
			name:    "error responses keep only JSON",
			apply:   errorResponsesAsJSON,
			in:      `{"paths":{"/d":{"get":{"responses":{"200":{"content":{"application/octet-stream":{}}},"404":{"content":{"application/octet-stream":{"schema":{"$ref":"#/e"}}}},"500":{"content":{"application/json":{"schema":{"$ref":"#/e"}},"text/plain":{}}}}}}}}`,
			want:    `{"paths":{"/d":{"get":{"responses":{"200":{"content":{"application/octet-stream":{}}},"404":{"content":{"application/json":{"schema":{"$ref":"#/e"}}}},"500":{"content":{"application/json":{"schema":{"$ref":"#/e"}}}}}}}}}`,
			changes: 2,
		},
		{
			name:    "multipart response gets its parts",
			apply:   multipartResponsesAsParts,
			in:      `{"paths":{"/b":{"post":{"responses":{"200":{"content":{"multipart/form-data":{"schema":{"$ref":"#/components/schemas/gin.H"}}}}}}}}}`,
			want:    `{"paths":{"/b":{"post":{"responses":{"200":{"content":{"multipart/form-data":{"schema":{"type":"object","additionalProperties":true,"properties":{"file":{"type":"array","items":{"type":"string","format":"binary"}},"error":{"type":"array","items":{"type":"object","additionalProperties":true}}}}}}}}}}}}`,
			changes: 1,
		},
		{
			name:    "free-form maps",
			apply:   freeFormMaps,
			in:      `{"components":{"schemas":{"gin.H":{"type":"object","additionalProperties":{}},"M":{"additionalProperties":{"type":"object"}},"S":{"additionalProperties":{"type":"string"}}}}}`,
			want:    `{"components":{"schemas":{"gin.H":{"type":"object","additionalProperties":true},"M":{"additionalProperties":true},"S":{"additionalProperties":{"type":"string"}}}}}`,
			changes: 2,
		},
		{
			name:    "toolbox proxy operations dropped",
			apply:   dropToolboxProxy,
			in:      `{"paths":{"/toolbox/{sandboxId}/toolbox/files":{"get":{"tags":["toolbox"]},"parameters":[]},"/sandbox":{"get":{"tags":["sandbox"]}}}}`,
			want:    `{"paths":{"/sandbox":{"get":{"tags":["sandbox"]}}}}`,
			changes: 1,
		},
		{
			name:    "port parameters become integers",
			apply:   integerPortParams,
			in:      `{"paths":{"/p/{port}":{"get":{"parameters":[{"in":"path","name":"port","schema":{"type":"number"}},{"in":"query","name":"port","schema":{"type":"number"}}]}}}}`,
			want:    `{"paths":{"/p/{port}":{"get":{"parameters":[{"in":"path","name":"port","schema":{"type":"integer"}},{"in":"query","name":"port","schema":{"type":"number"}}]}}}}`,
			changes: 1,
		},
		{
			name:  "equivalent templates merge under the first",
			apply: mergeEquivalentPaths,
			in:    `{"paths":{"/s/{id}/x":{"get":{"parameters":[{"in":"path","name":"id"}]}},"/s/{idOrName}/x":{"put":{"parameters":[{"in":"path","name":"idOrName"},{"in":"query","name":"idOrName"}]}}}}`,
			// "{idOrName}" sorts before "{id}" ('O' < '}'), so it is kept.
			want:    `{"paths":{"/s/{idOrName}/x":{"get":{"parameters":[{"in":"path","name":"idOrName"}]},"put":{"parameters":[{"in":"path","name":"idOrName"},{"in":"query","name":"idOrName"}]}}}}`,
			changes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parse(t, tt.in)
			if n := tt.apply(doc); n != tt.changes {
				t.Errorf("changes = %d, want %d", n, tt.changes)
			}
			if want := parse(t, tt.want); !reflect.DeepEqual(doc, want) {
				got, _ := json.Marshal(doc)
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			// Every step is idempotent: a second run changes nothing.
			if n := tt.apply(doc); n != 0 {
				t.Errorf("second run changed %d places", n)
			}
		})
	}
}

func TestAddMultipartBodies(t *testing.T) {
	doc := parse(t, `{"paths":{"/files/bulk-upload":{"post":{}},"/other":{"post":{"requestBody":{"content":{}}}}}}`)
	n := addMultipartBodies(doc, []opKey{{"post", "/files/bulk-upload"}, {"post", "/other"}, {"get", "/missing"}})
	if n != 1 {
		t.Fatalf("changes = %d, want 1", n)
	}
	if dig(doc, "paths", "/files/bulk-upload", "post", "requestBody", "content", "multipart/form-data") == nil {
		t.Fatalf("no multipart body: %v", doc)
	}
}
