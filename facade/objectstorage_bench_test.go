package daytona_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
	"github.com/daytona-go/daytona/imagebuilder"
)

// discardS3 is the smallest S3 a multipart upload needs: no object exists,
// parts are read and dropped. (The emulator's gofakes3 keeps objects in
// memory, in this process, which would hide the SDK's own memory use.)
type discardS3 struct{ received atomic.Int64 }

func (d *discardS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	d.received.Add(n)
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/xml")
	switch {
	case r.Method == http.MethodHead:
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPost && q.Has("uploads"):
		_ = xml.NewEncoder(w).Encode(struct {
			XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
			Bucket   string
			Key      string
			UploadID string `xml:"UploadId"`
		}{Bucket: "b", Key: r.URL.Path, UploadID: "u1"})
	case r.Method == http.MethodPut && q.Has("partNumber"):
		w.Header().Set("ETag", `"`+q.Get("partNumber")+`"`)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		_ = xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name `xml:"CompleteMultipartUploadResult"`
			Bucket  string
			Key     string
			ETag    string
		}{Bucket: "b", Key: r.URL.Path, ETag: `"done"`})
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unexpected "+r.Method, http.StatusBadRequest)
	}
}

// uploadHeap samples the heap while a measured run goes on.
type uploadHeap struct {
	base, peak uint64
	stop       chan struct{}
	done       sync.WaitGroup
}

func startUploadHeap() *uploadHeap {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &uploadHeap{base: ms.HeapInuse, peak: ms.HeapInuse, stop: make(chan struct{})}
	h.done.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				h.peak = max(h.peak, ms.HeapInuse)
			}
		}
	})
	return h
}

// report stops sampling and reports the growth over the starting heap.
func (h *uploadHeap) report(b *testing.B) {
	close(h.stop)
	h.done.Wait()
	b.ReportMetric(float64(h.peak-h.base)/(1<<20), "heap-growth-MiB")
}

// BenchmarkStorageUpload uploads one large context (256 MiB, or 1 GiB with
// DAYTONA_BENCH_LARGE=1) through ObjectStorage.Upload to a discarding S3,
// next to a baseline that streams the same tar through a pipe into
// io.Discard. heap-growth-MiB is the peak heap in use during the run minus
// the heap before it: it must stay far below the context's size.
func BenchmarkStorageUpload(b *testing.B) {
	size := int64(256 << 20)
	if os.Getenv("DAYTONA_BENCH_LARGE") == "1" {
		size = 1 << 30
	}
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	require.NoError(b, err)
	require.NoError(b, f.Truncate(size))
	require.NoError(b, f.Close())
	cx := imagebuilder.Context{LocalPath: dir, ArchivePath: "ctx"}

	s3 := &discardS3{}
	s3srv := httptest.NewServer(s3)
	b.Cleanup(s3srv.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/object-storage/push-access" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"accessKey": "AK", "secret": "SK", "sessionToken": "ST", "storageUrl": s3srv.URL,
			"organizationId": "org", "bucket": "bench", "region": "us-east-1",
		})
	}))
	b.Cleanup(api.Close)
	c, err := daytona.New(daytona.Config{APIURL: api.URL, APIKey: "bench-key"})
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })

	b.Run(fmt.Sprintf("Upload/%dMiB", size>>20), func(b *testing.B) {
		b.SetBytes(size)
		h := startUploadHeap()
		for b.Loop() {
			s3.received.Store(0)
			_, err := c.ObjectStorage.Upload(b.Context(), dir, "org", "ctx")
			require.NoError(b, err)
			require.Greater(b, s3.received.Load(), size, "the whole tar went out")
		}
		h.report(b)
	})
	b.Run(fmt.Sprintf("PipeCopyBaseline/%dMiB", size>>20), func(b *testing.B) {
		b.SetBytes(size)
		h := startUploadHeap()
		for b.Loop() {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(cx.WriteTar(pw)) }()
			n, err := io.Copy(io.Discard, pr)
			require.NoError(b, err)
			require.Greater(b, n, size)
		}
		h.report(b)
	})
}
