package daytona

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// fixedResponse is a RoundTripper that answers every request with one
// response.
type fixedResponse struct {
	status int
	header http.Header
	body   string
}

func (f fixedResponse) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: f.status, Header: f.header.Clone(), Body: io.NopCloser(strings.NewReader(f.body)), Request: req}, nil
}

// FuzzErrorAnswerRedacted: whatever an error answer holds (any status, any
// body, a request id) and wherever the server echoes the client's API key
// or JWT in it, the *Error the SDK makes of it is typed, and its text (and
// that of every field a program might print) never holds the secret.
func FuzzErrorAnswerRedacted(f *testing.F) {
	f.Add(401, `{"statusCode":401,"message":"bad key ","code":"UNAUTHORIZED"}`, 37, "req-1", false, false)
	f.Add(500, `{"message":["a","b"],"error":"Internal Server Error"}`, 13, "", true, false)
	f.Add(404, `{"code":"","error_code":"x"}`, 9, "", false, false)
	f.Add(404, `{"code":"C","source":""}`, 22, "", false, false)
	f.Add(502, "<html><title>Bad gateway </title></html>", 27, "id", false, true)
	f.Add(400, `{"errors":[""],"files":[]}`, 12, "", true, false)
	f.Add(503, `{"details":"","message":"m","solution":"s"}`, 12, "", false, false)
	f.Add(429, `"token "`, 7, "", false, false)
	f.Add(418, "plain text ", 11, "", true, true)
	f.Add(400, `{"statusCode":403,"message":"\u0041"}`, 30, "", false, false)
	f.Fuzz(func(t *testing.T, status int, body string, at int, requestID string, jwt, echoID bool) {
		if status < 400 || status > 599 {
			status = 400 + (status%200+200)%200
		}
		secret := testKey
		cfg := Config{APIKey: testKey}
		if jwt {
			secret, cfg = testJWT, Config{JWTToken: testJWT, OrganizationID: "org"}
		}
		at = min(max(at, 0), len(body))
		body = body[:at] + secret + body[at:]
		if echoID {
			requestID += secret
		}
		header := http.Header{"Content-Type": {"application/json"}}
		if requestID != "" {
			header.Set("X-Request-Id", requestID)
		}
		rt := &errorTransport{next: fixedResponse{status: status, header: header, body: body}, secrets: []string{cfg.APIKey, cfg.JWTToken}}
		req, _ := http.NewRequest(http.MethodGet, "http://example.invalid/sandbox", nil)
		resp, err := rt.RoundTrip(req)
		if resp != nil || err == nil {
			t.Fatalf("status %d gave a response", status)
		}
		de, ok := err.(*Error)
		if !ok || de.Kind == nil {
			t.Fatalf("untyped error %#v", err)
		}
		if de.StatusCode < 400 {
			t.Fatalf("status %d became %d", status, de.StatusCode)
		}
		for what, text := range map[string]string{"Error()": de.Error(), "Message": de.Message, "Code": de.Code, "Source": de.Source} {
			if strings.Contains(text, secret) {
				t.Fatalf("%s holds the secret: %q (body %q)", what, text, body)
			}
		}
		if !utf8.ValidString(body) {
			return
		}
		if !utf8.ValidString(de.Message) {
			t.Fatalf("a valid UTF-8 body gave an invalid message %q", de.Message)
		}
	})
}
