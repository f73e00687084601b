// Files moves data in and out of a sandbox: a large file streamed both ways
// with progress reports, a stream of unknown length, and a bulk transfer of
// many small files in one request each way, with per-file results.
//
//	go run ./examples/files
//
// Transfers stream in constant memory: neither the SDK nor this program
// holds a whole file. It runs against Daytona when DAYTONA_API_KEY is set,
// else against the in-process emulator; the first line of output says which.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(10*time.Minute, run) }

// largeSize is the size of the large file.
const largeSize = 64 << 20

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "files"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "daytona-files-example-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	if err := largeFile(ctx, w, sb, dir); err != nil {
		return err
	}
	if err := unknownLength(ctx, w, sb); err != nil {
		return err
	}
	return bulk(ctx, w, sb)
}

// largeFile uploads a local file with UploadFile and downloads it back with
// DownloadFile, reporting progress, then streams it once more through
// Download's io.ReadCloser straight into a hash.
func largeFile(ctx context.Context, w io.Writer, sb *daytona.Sandbox, dir string) error {
	local := filepath.Join(dir, "large.bin")
	want, err := writeRandomFile(local, largeSize)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "local file: %d MiB, sha256 %s\n", largeSize>>20, short(want))

	const remote = "data/large.bin"
	err = sb.FS.UploadFile(ctx, local, remote, daytona.UploadOptions{OnProgress: progress(w, "upload")})
	if err != nil {
		return err
	}
	info, err := sb.FS.Info(ctx, remote)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "in the sandbox: %s, %d bytes\n", remote, info.Size)

	back := filepath.Join(dir, "large-back.bin")
	err = sb.FS.DownloadFile(ctx, remote, back, daytona.DownloadOptions{OnProgress: progress(w, "download")})
	if err != nil {
		return err
	}
	got, err := hashFile(back)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "downloaded file: sha256 %s, identical %t\n", short(got), got == want)

	// Download is the stream itself: read it as it arrives, then Close.
	rc, err := sb.FS.Download(ctx, remote)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "streamed download: %d bytes, identical %t\n", n, hex.EncodeToString(h.Sum(nil)) == want)
	return nil
}

// unknownLength uploads what a goroutine writes into a pipe: Upload reads
// any io.Reader to EOF, without knowing its length in advance.
func unknownLength(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	pr, pw := io.Pipe()
	go func() {
		for i := range 1000 {
			if _, err := fmt.Fprintf(pw, "line %d of a generated log\n", i+1); err != nil {
				return // the upload failed and closed the reader
			}
		}
		pw.Close()
	}()
	err := sb.FS.Upload(ctx, "data/generated.log", pr)
	pr.CloseWithError(err) // unblocks the writer if the upload stopped early
	if err != nil {
		return err
	}
	res, err := sb.Process.Exec(ctx, "wc -l < data/generated.log && tail -n 1 data/generated.log", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "piped upload: %q\n", res.Result)
	return nil
}

// bulk uploads many files in one request and downloads them in another.
// A file that fails to download is reported in its own result; it does not
// fail the call.
func bulk(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	const count = 100
	uploads := make([]daytona.FileUpload, count)
	for i := range uploads {
		uploads[i] = daytona.FileUpload{
			Source:      bytes.NewReader(fmt.Appendf(nil, "file %d\n", i)),
			Destination: fmt.Sprintf("bulk/dir%d/file%03d.txt", i%4, i),
		}
	}
	if err := sb.FS.UploadMany(ctx, uploads, daytona.UploadOptions{}); err != nil {
		return err
	}
	found, err := sb.FS.Search(ctx, "bulk", "*.txt")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "bulk upload: %d files in one request, %d found by Search\n", count, len(found))

	bufs := make([]bytes.Buffer, count)
	downloads := make([]daytona.FileDownload, 0, count+1)
	for i := range uploads {
		downloads = append(downloads, daytona.FileDownload{Source: uploads[i].Destination, Destination: &bufs[i]})
	}
	downloads = append(downloads, daytona.FileDownload{Source: "bulk/missing.txt", Destination: io.Discard})
	results, err := sb.FS.DownloadMany(ctx, downloads, daytona.DownloadOptions{})
	if err != nil {
		return err
	}
	ok, intact := 0, 0
	for i, r := range results {
		switch {
		case r.Err == nil:
			ok++
			if bufs[i].String() == fmt.Sprintf("file %d\n", i) {
				intact++
			}
		case errors.Is(r.Err, daytona.ErrNotFound):
			fmt.Fprintf(w, "bulk download: %s: not found (a per-file error)\n", r.Source)
		default:
			return r.Err
		}
	}
	fmt.Fprintf(w, "bulk download: %d of %d files in one request, %d intact\n", ok, len(downloads), intact)
	return nil
}

// progress returns an OnProgress callback that prints every quarter.
func progress(w io.Writer, what string) func(daytona.TransferProgress) {
	next := 25
	return func(p daytona.TransferProgress) {
		if p.Total <= 0 {
			return
		}
		for next <= 100 && p.Bytes*100 >= int64(next)*p.Total {
			fmt.Fprintf(w, "%s: %3d%% (%d of %d MiB)\n", what, next, p.Bytes>>20, p.Total>>20)
			next += 25
		}
	}
}

// writeRandomFile writes size pseudo-random bytes to path and returns their
// SHA-256, in hex.
func writeRandomFile(path string, size int64) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{'d', 'a', 'y', 't', 'o', 'n', 'a'})
	_, err = io.CopyN(io.MultiWriter(f, h), src, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// hashFile returns the SHA-256 of a local file, in hex.
func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func short(hexHash string) string { return hexHash[:12] }
