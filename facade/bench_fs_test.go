package daytona_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// Benchmarks of the toolbox I/O, each beside its baseline against the same
// emulator server in the same run: the baselines speak to the toolbox with
// plain net/http and io.Copy. Transfers report throughput (b.SetBytes) and
// peak-heap-MiB, the largest growth of the in-use heap during the run
// (emulator included, as it shares the process). The large transfers use
// 256 MiB, or 1 GiB with DAYTONA_BENCH_LARGE=1.

// benchEnv is an emulator with one sandbox, and a raw client for it.
type benchEnv struct {
	sb   *daytona.Sandbox
	base string // the sandbox's toolbox base URL
	key  string
	raw  *http.Client
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	srv := daytonatest.NewServer(b)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	sb, err := c.Create(context.Background(), daytona.FromSnapshot{}, daytona.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	env := &benchEnv{sb: sb, base: srv.URL + "/toolbox/" + sb.ID(), key: srv.APIKey, raw: &http.Client{Transport: tr}}
	// Warm up: the sandbox's toolbox starts (and the emulator loads its
	// contract) on the first toolbox request, which no sub-benchmark
	// should pay for.
	if err := sb.FS.Upload(context.Background(), "warmup.txt", strings.NewReader("x")); err != nil {
		b.Fatal(err)
	}
	env.do(b, http.MethodGet, "/files/download?path=warmup.txt", nil, "")
	return env
}

// do sends a raw request to the toolbox and discards the answer's body.
func (e *benchEnv) do(b *testing.B, method, path string, body io.Reader, contentType string) {
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.raw.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		b.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

func largeSize() int64 {
	if os.Getenv("DAYTONA_BENCH_LARGE") == "1" {
		return 1 << 30
	}
	return 256 << 20
}

// patternReader yields n bytes of a fixed pattern without allocating.
type patternReader struct{ left int64 }

var pattern = bytes.Repeat([]byte("daytona-go bench"), 4096) // 64 KiB

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.left)], pattern)
	r.left -= int64(n)
	return n, nil
}

// heapPeak samples the in-use heap while a benchmark runs.
type heapPeak struct {
	base, peak uint64
	stop, done chan struct{}
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h := &heapPeak{base: m.HeapInuse, peak: m.HeapInuse, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				h.peak = max(h.peak, m.HeapInuse)
			}
		}
	}()
	return h
}

func (h *heapPeak) report(b *testing.B) {
	close(h.stop)
	<-h.done
	b.ReportMetric(float64(h.peak-h.base)/(1<<20), "peak-heap-MiB")
}

func BenchmarkUploadLarge(b *testing.B) {
	env := newBenchEnv(b)
	size := largeSize()
	ctx := context.Background()
	b.Run("baseline-raw-upload", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		h := startHeapPeak()
		for b.Loop() {
			env.do(b, http.MethodPost, "/files/upload-v2?path=raw.bin", &patternReader{left: size}, "application/octet-stream")
		}
		h.report(b)
	})
	b.Run("baseline-raw-bulk-upload", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		h := startHeapPeak()
		for b.Loop() {
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			go func() {
				_ = mw.WriteField("files[0].path", "rawbulk.bin")
				fw, err := mw.CreateFormFile("files[0].file", "rawbulk.bin")
				if err == nil {
					_, err = io.Copy(fw, &patternReader{left: size})
				}
				if err == nil {
					err = mw.Close()
				}
				pw.CloseWithError(err)
			}()
			env.do(b, http.MethodPost, "/files/bulk-upload", pr, mw.FormDataContentType())
		}
		h.report(b)
	})
	b.Run("facade-Upload", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		h := startHeapPeak()
		for b.Loop() {
			if err := env.sb.FS.Upload(ctx, "facade.bin", &patternReader{left: size}); err != nil {
				b.Fatal(err)
			}
		}
		h.report(b)
	})
}

func BenchmarkDownloadLarge(b *testing.B) {
	env := newBenchEnv(b)
	size := largeSize()
	ctx := context.Background()
	if err := env.sb.FS.Upload(ctx, "big.bin", &patternReader{left: size}); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-raw-download", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		h := startHeapPeak()
		for b.Loop() {
			env.do(b, http.MethodGet, "/files/download?path=big.bin", nil, "")
		}
		h.report(b)
	})
	b.Run("facade-Download", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		h := startHeapPeak()
		for b.Loop() {
			rc, err := env.sb.FS.Download(ctx, "big.bin")
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
				b.Fatalf("copied %d bytes: %v", n, err)
			}
			_ = rc.Close()
		}
		h.report(b)
	})
}

// BenchmarkBulkDownload1000: 1000 files of 1 KiB over one bulk-download
// stream, against a loop of single downloads (raw and facade).
func BenchmarkBulkDownload1000(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	const n = 1000
	content := strings.Repeat("x", 1024)
	uploads := make([]daytona.FileUpload, n)
	paths := make([]string, n)
	for i := range uploads {
		paths[i] = fmt.Sprintf("bulk/f%04d.txt", i)
		uploads[i] = daytona.FileUpload{Source: strings.NewReader(content), Destination: paths[i]}
	}
	if err := env.sb.FS.UploadMany(ctx, uploads, daytona.UploadOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-raw-loop", func(b *testing.B) {
		b.SetBytes(n * 1024)
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range paths {
				env.do(b, http.MethodGet, "/files/download?path="+url.QueryEscape(p), nil, "")
			}
		}
	})
	b.Run("facade-Download-loop", func(b *testing.B) {
		b.SetBytes(n * 1024)
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range paths {
				rc, err := env.sb.FS.Download(ctx, p)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, rc)
				_ = rc.Close()
			}
		}
	})
	b.Run("facade-DownloadMany", func(b *testing.B) {
		b.SetBytes(n * 1024)
		b.ReportAllocs()
		files := make([]daytona.FileDownload, n)
		for i, p := range paths {
			files[i] = daytona.FileDownload{Source: p, Destination: io.Discard}
		}
		for b.Loop() {
			res, err := env.sb.FS.DownloadMany(ctx, files, daytona.DownloadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil || r.Bytes != 1024 {
					b.Fatalf("%s: %d bytes, %v", r.Source, r.Bytes, r.Err)
				}
			}
		}
	})
}
