package daytona_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"

	daytona "github.com/daytona-go/daytona/facade"
	"github.com/daytona-go/daytona/internal/version"
)

// BenchmarkPTYOutput: terminal output throughput, a 64 MB file written by
// the paced cat of the tests (the reader acks every 4 MB, so a slow reader
// is never dropped), read through PTY.Read with a 64 KiB buffer, against a
// raw coder/websocket read loop on the same create-connect endpoint of the
// same server that handles each frame in place.
func BenchmarkPTYOutput(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	const chunk, chunks = 4 << 20, 16
	const total = chunk * chunks
	res, err := env.sb.Process.Exec(ctx, fmt.Sprintf("head -c %d /dev/urandom > bench-pty.bin", total), daytona.ExecOptions{})
	if err != nil || res.ExitCode != 0 {
		b.Fatal(res, err)
	}
	command := pacedCat("bench-pty.bin", chunk, chunks)

	b.Run("baseline-raw-websocket", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		u := "ws" + strings.TrimPrefix(env.base, "http") + "/process/pty/create-connect"
		for i := 0; b.Loop(); i++ {
			q := url.Values{"id": {fmt.Sprintf("raw-%d", i)}, "cols": {"80"}, "rows": {"24"}}
			conn, _, err := websocket.Dial(ctx, u+"?"+q.Encode(), &websocket.DialOptions{
				HTTPHeader:   http.Header{"Authorization": {"Bearer " + env.key}, "X-Daytona-Sdk-Version": {version.API}},
				Subprotocols: []string{"X-Daytona-Pty-Exit-Control"},
			})
			if err != nil {
				b.Fatal(err)
			}
			conn.SetReadLimit(1 << 20)
			if err := conn.Write(ctx, websocket.MessageBinary, []byte(command)); err != nil {
				b.Fatal(err)
			}
			var pre []byte
			found, got := false, 0
			for {
				typ, p, err := conn.Read(ctx)
				if err != nil {
					if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
						b.Fatal(err)
					}
					break
				}
				if typ == websocket.MessageText {
					continue // control messages
				}
				if !found {
					pre = append(pre, p...)
					i := bytes.Index(pre, []byte(ptyMarker))
					if i < 0 {
						continue
					}
					found, p = true, pre[i+len(ptyMarker):]
				}
				before := got
				got += len(p)
				if got/chunk > before/chunk {
					if err := conn.Write(ctx, websocket.MessageBinary, []byte("a")); err != nil {
						b.Fatal(err)
					}
				}
			}
			if got != total {
				b.Fatalf("read %d bytes, want %d", got, total)
			}
		}
	})

	b.Run("facade-PTY-Read-64KiB", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			pty, err := env.sb.Process.CreatePTY(ctx, daytona.PTYOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.WriteString(pty, command); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 64<<10)
			var pre []byte
			found, got := false, 0
			for {
				n, err := pty.Read(buf)
				p := buf[:n]
				if !found && n > 0 {
					pre = append(pre, p...)
					i := bytes.Index(pre, []byte(ptyMarker))
					if i >= 0 {
						found, p = true, pre[i+len(ptyMarker):]
					} else {
						p = nil
					}
				}
				if found {
					before := got
					got += len(p)
					if got/chunk > before/chunk {
						if _, err := pty.Write([]byte("a")); err != nil {
							b.Fatal(err)
						}
					}
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			_ = pty.Close()
			if got != total {
				b.Fatalf("read %d bytes, want %d", got, total)
			}
		}
	})
}
