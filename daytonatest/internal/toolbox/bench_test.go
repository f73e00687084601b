package toolbox_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// benchSize is the file size of the transfer benchmarks.
const benchSize = 64 << 20

// benchServer serves a toolbox without validation (it would buffer).
func benchServer(b *testing.B) (string, string) {
	root := b.TempDir()
	tb, err := toolbox.New(toolbox.Config{Root: root})
	require.NoError(b, err)
	srv := httptest.NewServer(tb.Handler())
	b.Cleanup(func() {
		srv.Close()
		require.NoError(b, tb.Close())
	})
	return srv.URL, tb.Root()
}

func writeBenchFile(b *testing.B, p string) {
	require.NoError(b, os.WriteFile(p, bytes.Repeat([]byte("x"), benchSize), 0o644))
}

func download(b *testing.B, url string) {
	resp, err := http.Get(url)
	require.NoError(b, err)
	n, err := io.Copy(io.Discard, resp.Body)
	require.NoError(b, err)
	require.NoError(b, resp.Body.Close())
	require.Equal(b, int64(benchSize), n)
}

// BenchmarkDownloadFile is GET /files/download of a 64 MiB file.
func BenchmarkDownloadFile(b *testing.B) {
	url, root := benchServer(b)
	writeBenchFile(b, filepath.Join(root, "f.bin"))
	b.SetBytes(benchSize)
	for b.Loop() {
		download(b, url+"/files/download?path=f.bin")
	}
}

// BenchmarkDownloadFileBaseline is the same transfer through a bare
// net/http handler doing io.Copy from the file.
func BenchmarkDownloadFileBaseline(b *testing.B) {
	p := filepath.Join(b.TempDir(), "f.bin")
	writeBenchFile(b, p)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f, err := os.Open(p)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		_, _ = io.Copy(w, f)
	}))
	defer srv.Close()
	b.SetBytes(benchSize)
	for b.Loop() {
		download(b, srv.URL)
	}
}

// uploadBody streams a one-file multipart body of benchSize bytes.
func uploadBody() (string, io.Reader) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("file", "f.bin")
		_, err := io.Copy(w, io.LimitReader(zeros{}, benchSize))
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return mw.FormDataContentType(), pr
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func upload(b *testing.B, url string) {
	ct, body := uploadBody()
	resp, err := http.Post(url, ct, body)
	require.NoError(b, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(b, resp.Body.Close())
	require.Equal(b, http.StatusOK, resp.StatusCode)
}

// BenchmarkUploadFile is POST /files/upload-v2 of a 64 MiB multipart body.
func BenchmarkUploadFile(b *testing.B) {
	url, _ := benchServer(b)
	b.SetBytes(benchSize)
	for b.Loop() {
		upload(b, url+"/files/upload-v2?path=up.bin")
	}
}

// BenchmarkUploadFileBaseline streams the same body through a bare handler
// that copies the part to a file.
func BenchmarkUploadFileBaseline(b *testing.B) {
	dir := b.TempDir()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		part, err := mr.NextPart()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f, err := os.Create(filepath.Join(dir, "up.bin"))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, err = io.Copy(f, part)
		_ = f.Close()
		if err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	defer srv.Close()
	b.SetBytes(benchSize)
	for b.Loop() {
		upload(b, srv.URL)
	}
}
