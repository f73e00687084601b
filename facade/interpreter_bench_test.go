package daytona_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	daytona "github.com/daytona-go/daytona/facade"
	"github.com/daytona-go/daytona/internal/version"
)

// BenchmarkRunCode: the round trip of a trivial execution in the default
// context, against a raw coder/websocket execution of the same request
// (dial, send, read to the close) on the same server.
func BenchmarkRunCode(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	if _, err := env.sb.CodeInterpreter.RunCode(ctx, "x = 0", daytona.RunCodeOptions{}); err != nil {
		b.Fatal(err) // starts the default context's worker
	}
	u := "ws" + strings.TrimPrefix(env.base, "http") + "/process/interpreter/execute"
	b.Run("baseline-raw-websocket", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
				HTTPHeader: http.Header{"Authorization": {"Bearer " + env.key}, "X-Daytona-Sdk-Version": {version.API}},
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"code":"x += 1","timeout":600}`)); err != nil {
				b.Fatal(err)
			}
			for {
				_, _, err := conn.Read(ctx)
				if err != nil {
					if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
						b.Fatal(err)
					}
					break
				}
			}
		}
	})
	b.Run("facade-RunCode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := env.sb.CodeInterpreter.RunCode(ctx, "x += 1", daytona.RunCodeOptions{})
			if err != nil || res.Error != nil {
				b.Fatal(res, err)
			}
		}
	})
}
