package daytona_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	daytona "github.com/daytona-go/daytona/facade"
)

// BenchmarkExec: the round trip of a trivial command, against a raw POST
// of the same request with its JSON answer decoded.
func BenchmarkExec(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	body, _ := json.Marshal(map[string]string{"command": "true"})
	b.Run("baseline-raw-POST", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, env.base+"/process/execute", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+env.key)
			req.Header.Set("Content-Type", "application/json")
			resp, err := env.raw.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out struct {
				ExitCode *int   `json:"exitCode"`
				Result   string `json:"result"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			_ = resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || out.ExitCode == nil || *out.ExitCode != 0 {
				b.Fatalf("%s: %v", resp.Status, err)
			}
		}
	})
	b.Run("facade-Exec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := env.sb.Process.Exec(ctx, "true", daytona.ExecOptions{})
			if err != nil || res.ExitCode != 0 {
				b.Fatal(res, err)
			}
		}
	})
}
