package daytona

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/stream"
)

func TestModeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode fs.FileMode
		want string
		bad  bool
	}{
		{mode: 0o755, want: "0755"},
		{mode: 0o644, want: "0644"},
		{mode: 0o7, want: "0007"},
		{mode: 0o755 | fs.ModeSetuid, want: "4755"},
		{mode: 0o775 | fs.ModeSetgid, want: "2775"},
		{mode: 0o777 | fs.ModeSticky, want: "1777"},
		{mode: fs.ModeDir | 0o755, bad: true},
	}
	for _, tt := range tests {
		got, err := modeString("op", tt.mode)
		if tt.bad {
			require.ErrorIs(t, err, ErrValidation, "%v", tt.mode)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%v", tt.mode)
	}
}

func TestTimeoutSeconds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    string
		want int // -1: nil (no limit sent)
		bad  bool
	}{
		{d: "0s", want: -1},
		{d: "1ns", want: 1},
		{d: "500ms", want: 1},
		{d: "1s", want: 1},
		{d: "1.001s", want: 2},
		{d: "90s", want: 90},
		{d: "-1s", bad: true},
	}
	for _, tt := range tests {
		d, err := time.ParseDuration(tt.d)
		require.NoError(t, err)
		got, err := timeoutSeconds("op", d)
		if tt.bad {
			require.ErrorIs(t, err, ErrValidation)
			continue
		}
		require.NoError(t, err)
		if tt.want < 0 {
			assert.Nil(t, got, tt.d)
		} else {
			require.NotNil(t, got, tt.d)
			assert.Equal(t, tt.want, *got, tt.d)
		}
	}
}

// TestValidationBeforeNetwork: bad input fails with ErrValidation and no
// request is sent.
func TestValidationBeforeNetwork(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	sb, ctx := f.sb, t.Context()
	local := filepath.Join(t.TempDir(), "x")
	calls := map[string]func() error{
		"CreateFolder empty":     func() error { return sb.FS.CreateFolder(ctx, "", 0) },
		"CreateFolder mode":      func() error { return sb.FS.CreateFolder(ctx, "d", fs.ModeDir|0o755) },
		"Delete empty":           func() error { return sb.FS.Delete(ctx, "", DeleteOptions{}) },
		"List depth":             func() error { _, err := sb.FS.List(ctx, "", ListFilesOptions{Depth: -1}); return err },
		"Info NUL":               func() error { _, err := sb.FS.Info(ctx, "a\x00b"); return err },
		"Move dest":              func() error { return sb.FS.Move(ctx, "a", "") },
		"Find pattern":           func() error { _, err := sb.FS.Find(ctx, "a", ""); return err },
		"Search path":            func() error { _, err := sb.FS.Search(ctx, "", "*"); return err },
		"Replace none":           func() error { _, err := sb.FS.ReplaceInFiles(ctx, nil, "a", "b"); return err },
		"SetPermissions nothing": func() error { return sb.FS.SetPermissions(ctx, "a", SetPermissionsOptions{}) },
		"Upload nil":             func() error { return sb.FS.Upload(ctx, "a", nil) },
		"Upload path":            func() error { return sb.FS.Upload(ctx, "", strings.NewReader("x")) },
		"UploadFile missing":     func() error { return sb.FS.UploadFile(ctx, local, "a", UploadOptions{}) },
		"UploadFile dir":         func() error { return sb.FS.UploadFile(ctx, t.TempDir(), "a", UploadOptions{}) },
		"UploadMany none":        func() error { return sb.FS.UploadMany(ctx, nil, UploadOptions{}) },
		"UploadMany both": func() error {
			return sb.FS.UploadMany(ctx, []FileUpload{{Source: strings.NewReader(""), LocalPath: "x", Destination: "a"}}, UploadOptions{})
		},
		"Download empty":     func() error { _, err := sb.FS.Download(ctx, ""); return err },
		"DownloadFile local": func() error { return sb.FS.DownloadFile(ctx, "a", "", DownloadOptions{}) },
		"DownloadMany no dest": func() error {
			_, err := sb.FS.DownloadMany(ctx, []FileDownload{{Source: "a"}}, DownloadOptions{})
			return err
		},
		"DownloadMany none": func() error { _, err := sb.FS.DownloadMany(ctx, nil, DownloadOptions{}); return err },
		"Exec empty":        func() error { _, err := sb.Process.Exec(ctx, "  \n", ExecOptions{}); return err },
		"Exec timeout":      func() error { _, err := sb.Process.Exec(ctx, "true", ExecOptions{Timeout: -1}); return err },
		"Exec env": func() error {
			_, err := sb.Process.Exec(ctx, "true", ExecOptions{Env: map[string]string{"A=B": "c"}})
			return err
		},
		"CodeRun language":    func() error { _, err := sb.Process.CodeRun(ctx, "x", CodeRunOptions{Language: "ruby"}); return err },
		"CodeRun empty":       func() error { _, err := sb.Process.CodeRun(ctx, "", CodeRunOptions{}); return err },
		"CreateSession empty": func() error { return sb.Process.CreateSession(ctx, "") },
		"SessionExec timeout": func() error {
			_, err := sb.Process.ExecuteSessionCommand(ctx, "s", "true", SessionExecOptions{Timeout: -1})
			return err
		},
		"SessionExec empty": func() error {
			_, err := sb.Process.ExecuteSessionCommand(ctx, "s", "", SessionExecOptions{})
			return err
		},
		"SessionCommand id": func() error { _, err := sb.Process.GetSessionCommand(ctx, "s", ""); return err },
		"Stream id":         func() error { return sb.Process.StreamSessionCommandLogs(ctx, "", "c", nil, nil) },
		"Input id":          func() error { return sb.Process.SendSessionCommandInput(ctx, "s", "", "x") },
		"Clone creds":       func() error { return sb.Git.Clone(ctx, "u", "p", CloneOptions{Password: "secret-pw"}) },
		"Clone depth":       func() error { return sb.Git.Clone(ctx, "u", "p", CloneOptions{Depth: -1}) },
		"Add none":          func() error { return sb.Git.Add(ctx, "p", nil) },
		"Commit message":    func() error { _, err := sb.Git.Commit(ctx, "p", " ", CommitOptions{}); return err },
		"Push creds":        func() error { return sb.Git.Push(ctx, "p", PushOptions{Username: "u"}) },
		"Reset mode":        func() error { return sb.Git.Reset(ctx, "p", GitResetOptions{Mode: "weird"}) },
		"Restore none":      func() error { return sb.Git.Restore(ctx, "p", nil, GitRestoreOptions{}) },
		"Config local": func() error {
			_, _, err := sb.Git.GetConfig(ctx, "user.name", GitConfigOptions{Scope: GitConfigLocal})
			return err
		},
		"Config scope":              func() error { return sb.Git.SetConfig(ctx, "k", "v", GitConfigOptions{Scope: "repo"}) },
		"StoreCredentials newline":  func() error { return sb.Git.StoreCredentials(ctx, "u", "p\nx", GitCredentialsOptions{}) },
		"StoreCredentials password": func() error { return sb.Git.StoreCredentials(ctx, "u", "", GitCredentialsOptions{}) },
		"AddRemote url":             func() error { return sb.Git.AddRemote(ctx, "p", "origin", "", AddRemoteOptions{}) },
	}
	for name, call := range calls {
		err := call()
		require.ErrorIs(t, err, ErrValidation, name)
		var de *Error
		require.ErrorAs(t, err, &de, name)
		assert.Equal(t, SourceSDK, de.Source, name)
		assert.NotContains(t, err.Error(), "secret-pw", name)
	}
	assert.Empty(t, f.sent(), "no request may be sent for bad input")
}

// readUpload parses a bulk-upload body into (path, content) pairs in part
// order, checking that each .path part comes before its .file part.
func readUpload(t *testing.T, r *http.Request) [][2]string {
	t.Helper()
	mr, err := r.MultipartReader()
	require.NoError(t, err)
	var out [][2]string
	var pending string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		switch name := p.FormName(); {
		case strings.HasSuffix(name, ".path"):
			pending = string(b)
		case strings.HasSuffix(name, ".file"):
			require.NotEmpty(t, pending, "a .file part before its .path part")
			out = append(out, [2]string{pending, string(b)})
			pending = ""
		default:
			t.Fatalf("unexpected part %q", name)
		}
	}
	return out
}

// TestUploadNeverRetried: a streamed upload that gets an answer the retry
// layer retries for any method with a replayable body (429) is not sent
// again, single (upload-v2) or bulk; a JSON request (exec) with the same
// answer is.
func TestUploadNeverRetried(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", "0")
		envelope(w, 429, "", "slow down")
	})
	err := f.sb.FS.Upload(t.Context(), "a.txt", strings.NewReader("hello"))
	require.ErrorIs(t, err, ErrRateLimited)
	err = f.sb.FS.UploadMany(t.Context(), []FileUpload{{Source: strings.NewReader("x"), Destination: "b"}}, UploadOptions{})
	require.ErrorIs(t, err, ErrRateLimited)
	assert.Equal(t, []string{"POST /tb/sb-1/files/upload-v2", "POST /tb/sb-1/files/bulk-upload"}, f.sent())

	_, err = f.sb.Process.Exec(t.Context(), "true", ExecOptions{})
	require.ErrorIs(t, err, ErrRateLimited)
	assert.Len(t, f.sent(), 2+4, "the exec request is replayable: retried up to the 4 attempts")
}

// TestUploadWire: a single upload is the raw, chunked body of upload-v2,
// with the path in the query; empty content works; progress ends with
// Done.
func TestUploadWire(t *testing.T) {
	t.Parallel()
	type got struct{ path, ctype, body string }
	var mu sync.Mutex
	var reqs []got
	var chunked []bool
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		mu.Lock()
		reqs = append(reqs, got{r.URL.Query().Get("path"), r.Header.Get("Content-Type"), string(b)})
		chunked = append(chunked, r.ContentLength == -1)
		mu.Unlock()
		writeJSON(w, 200, map[string]string{"name": "x", "path": r.URL.Query().Get("path"), "type": "file"})
	})
	require.NoError(t, f.sb.FS.Upload(t.Context(), "dir with space/ü.txt", strings.NewReader("content")))
	require.NoError(t, f.sb.FS.Upload(t.Context(), "empty", strings.NewReader("")))
	local := filepath.Join(t.TempDir(), "l.bin")
	require.NoError(t, os.WriteFile(local, bytes.Repeat([]byte{7}, 100<<10), 0o600))
	var progress []TransferProgress
	require.NoError(t, f.sb.FS.UploadFile(t.Context(), local, "l.bin", UploadOptions{OnProgress: func(p TransferProgress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}}))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reqs, 3)
	assert.Equal(t, got{"dir with space/ü.txt", "application/octet-stream", "content"}, reqs[0])
	assert.Equal(t, got{"empty", "application/octet-stream", ""}, reqs[1])
	assert.Equal(t, strings.Repeat("\x07", 100<<10), reqs[2].body)
	assert.Equal(t, []bool{true, true, true}, chunked, "streamed without a Content-Length")
	require.NotEmpty(t, progress)
	assert.Equal(t, TransferProgress{Path: "l.bin", Bytes: 100 << 10, Total: 100 << 10, Done: true}, progress[len(progress)-1])
	for _, p := range progress[:len(progress)-1] {
		assert.False(t, p.Done)
	}
}

func TestUploadManyWire(t *testing.T) {
	t.Parallel()
	var got [][2]string
	var chunked bool
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		chunked = r.ContentLength == -1
		got = readUpload(t, r)
		writeJSON(w, 200, map[string]any{"files": []any{}})
	})
	local := filepath.Join(t.TempDir(), "local file ü.txt")
	require.NoError(t, os.WriteFile(local, []byte("from disk"), 0o600))
	var mu sync.Mutex
	var progress []TransferProgress
	err := f.sb.FS.UploadMany(t.Context(), []FileUpload{
		{Source: strings.NewReader("one"), Destination: "dir with space/ä.txt"},
		{Source: strings.NewReader(""), Destination: "empty"},
		{LocalPath: local, Destination: "/abs/b.txt"},
	}, UploadOptions{OnProgress: func(p TransferProgress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}})
	require.NoError(t, err)
	assert.True(t, chunked, "the body is streamed without a Content-Length")
	assert.Equal(t, [][2]string{{"dir with space/ä.txt", "one"}, {"empty", ""}, {"/abs/b.txt", "from disk"}}, got)
	mu.Lock()
	defer mu.Unlock()
	var done []TransferProgress
	for _, p := range progress {
		if p.Done {
			done = append(done, p)
		}
	}
	assert.Equal(t, []TransferProgress{
		{Index: 0, Path: "dir with space/ä.txt", Bytes: 3, Total: -1, Done: true},
		{Index: 1, Path: "empty", Bytes: 0, Total: -1, Done: true},
		{Index: 2, Path: "/abs/b.txt", Bytes: 9, Total: 9, Done: true},
	}, done)
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// TestUploadSourceError: a source that fails to read fails the call with
// its own error, not a connection error.
func TestUploadSourceError(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, 200, map[string]any{"files": []any{}})
	})
	boom := errors.New("disk on fire")
	err := f.sb.FS.Upload(t.Context(), "a", io.MultiReader(strings.NewReader("part"), failingReader{boom}))
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "reading the content for a")
	assert.NotErrorIs(t, err, ErrConnection)
}

// TestUploadErrorBody: the bulk upload's {"errors":[...]} answer becomes
// the error message.
func TestUploadErrorBody(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, 400, map[string]any{"errors": []string{"file[0]: permission denied"}, "files": []any{}})
	})
	err := f.sb.FS.UploadMany(t.Context(), []FileUpload{{Source: strings.NewReader("x"), Destination: "a"}}, UploadOptions{})
	require.ErrorIs(t, err, ErrValidation)
	assert.Contains(t, err.Error(), "file[0]: permission denied")
}

// bulkHandler answers a bulk download with the parts write produces.
func bulkHandler(t *testing.T, write func(dw *stream.DownloadWriter, paths []string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Paths []string }
		if !assert.NoError(t, json.NewDecoder(r.Body).Decode(&req)) {
			return
		}
		assert.Equal(t, "multipart/form-data", r.Header.Get("Accept"))
		dw := stream.NewDownloadWriter(w)
		w.Header().Set("Content-Type", dw.ContentType())
		w.WriteHeader(200)
		write(dw, req.Paths)
	}
}

func errorPart(status int, code, path string) []byte {
	return []byte(`{"statusCode":` + strconv.Itoa(status) + `,"message":"failed: ` + path + `","code":"` + code + `","timestamp":"2026-01-01T00:00:00Z","path":"` + path + `","method":"POST"}`)
}

// TestDownloadManyParts: file parts go to their destinations, error parts
// become typed per-file errors, and the call succeeds.
func TestDownloadManyParts(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, bulkHandler(t, func(dw *stream.DownloadWriter, paths []string) {
		assert.Equal(t, []string{"a.txt", "missing", "dir", "ü b.bin", "a.txt"}, paths)
		require.NoError(t, dw.WriteFile("a.txt", 5, "text/plain", strings.NewReader("hello")))
		require.NoError(t, dw.WriteError("missing", errorPart(404, "FILE_NOT_FOUND", "missing")))
		require.NoError(t, dw.WriteError("dir", errorPart(400, "INVALID_FILE_PATH", "dir")))
		require.NoError(t, dw.WriteFile("ü b.bin", 3, "", bytes.NewReader([]byte{0, 1, 0xff})))
		require.NoError(t, dw.WriteFile("a.txt", 0, "", strings.NewReader("")))
		require.NoError(t, dw.Close())
	}))
	dir := t.TempDir()
	var a, bad bytes.Buffer
	res, err := f.sb.FS.DownloadMany(t.Context(), []FileDownload{
		{Source: "a.txt", Destination: &a},
		{Source: "missing", Destination: &bad},
		{Source: "dir", LocalPath: filepath.Join(dir, "dir")},
		{Source: "ü b.bin", LocalPath: filepath.Join(dir, "bin")},
		{Source: "a.txt", LocalPath: filepath.Join(dir, "empty")},
	}, DownloadOptions{})
	require.NoError(t, err)
	require.Len(t, res, 5)
	assert.NoError(t, res[0].Err)
	assert.Equal(t, "hello", a.String())
	assert.Equal(t, int64(5), res[0].Bytes)
	require.ErrorIs(t, res[1].Err, ErrFileNotFound)
	require.ErrorIs(t, res[1].Err, ErrNotFound)
	require.ErrorIs(t, res[2].Err, ErrInvalidFilePath)
	require.ErrorIs(t, res[2].Err, ErrValidation)
	assert.Zero(t, bad.Len())
	assert.NoError(t, res[3].Err)
	b, err := os.ReadFile(filepath.Join(dir, "bin"))
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1, 0xff}, b)
	assert.NoError(t, res[4].Err)
	fi, err := os.Stat(filepath.Join(dir, "empty"))
	require.NoError(t, err)
	assert.Zero(t, fi.Size())
	assert.NoFileExists(t, filepath.Join(dir, "dir"))
	assertNoTemp(t, dir)
}

// assertNoTemp checks that no temporary download file is left in dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".part"), "left over: %s", e.Name())
	}
}

// TestDownloadManyTruncated: a stream cut before its closing boundary is
// an error; the file cut short and the files never sent get errors, and a
// local file cut short is not left behind.
func TestDownloadManyTruncated(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, bulkHandler(t, func(dw *stream.DownloadWriter, paths []string) {
		require.NoError(t, dw.WriteFile(paths[0], 2, "", strings.NewReader("ok")))
		// Announce 10 bytes, send 4, then end the response (no closing
		// boundary), as the daemon does when a read fails midway.
		err := dw.WriteFile(paths[1], 10, "", strings.NewReader("part"))
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}))
	dir := t.TempDir()
	var first bytes.Buffer
	res, err := f.sb.FS.DownloadMany(t.Context(), []FileDownload{
		{Source: "one", Destination: &first},
		{Source: "two", LocalPath: filepath.Join(dir, "two")},
		{Source: "three", Destination: io.Discard},
	}, DownloadOptions{})
	require.Error(t, err)
	require.ErrorIs(t, err, ErrServer)
	require.ErrorIs(t, err, stream.ErrTruncated)
	require.Len(t, res, 3)
	assert.NoError(t, res[0].Err)
	assert.Equal(t, "ok", first.String())
	require.ErrorIs(t, res[1].Err, stream.ErrTruncated)
	require.Error(t, res[2].Err)
	assert.Contains(t, res[2].Err.Error(), "no data received for three")
	assert.NoFileExists(t, filepath.Join(dir, "two"))
	assertNoTemp(t, dir)
}

// TestDownloadManyMissingParts: a clean stream with fewer parts than paths
// reports the missing ones per file.
func TestDownloadManyMissingParts(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, bulkHandler(t, func(dw *stream.DownloadWriter, paths []string) {
		require.NoError(t, dw.WriteFile(paths[0], 1, "", strings.NewReader("x")))
		require.NoError(t, dw.Close())
	}))
	res, err := f.sb.FS.DownloadMany(t.Context(), []FileDownload{
		{Source: "one", Destination: io.Discard}, {Source: "two", Destination: io.Discard},
	}, DownloadOptions{})
	require.NoError(t, err)
	assert.NoError(t, res[0].Err)
	require.ErrorIs(t, res[1].Err, ErrServer)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space") }

// TestDownloadManyWriterError: a destination that fails gets the error;
// the other files still arrive.
func TestDownloadManyWriterError(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, bulkHandler(t, func(dw *stream.DownloadWriter, paths []string) {
		require.NoError(t, dw.WriteFile(paths[0], 3, "", strings.NewReader("abc")))
		require.NoError(t, dw.WriteFile(paths[1], 3, "", strings.NewReader("def")))
		require.NoError(t, dw.Close())
	}))
	var second bytes.Buffer
	var mu sync.Mutex
	var last TransferProgress
	res, err := f.sb.FS.DownloadMany(t.Context(), []FileDownload{
		{Source: "one", Destination: failingWriter{}}, {Source: "two", Destination: &second},
	}, DownloadOptions{OnProgress: func(p TransferProgress) { mu.Lock(); last = p; mu.Unlock() }})
	require.NoError(t, err)
	require.Error(t, res[0].Err)
	assert.Contains(t, res[0].Err.Error(), "no space")
	assert.NoError(t, res[1].Err)
	assert.Equal(t, "def", second.String())
	assert.Equal(t, TransferProgress{Index: 1, Path: "two", Bytes: 3, Total: 3, Done: true}, last)
}

// TestDownloadFileTruncated: a body shorter than its Content-Length fails
// DownloadFile and leaves neither the target nor a temporary file.
func TestDownloadFileTruncated(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/tb/sb-1/files/download", r.URL.Path)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("only a part"))
	})
	dir := t.TempDir()
	target := filepath.Join(dir, "out.txt")
	err := f.sb.FS.DownloadFile(t.Context(), "x.txt", target, DownloadOptions{})
	require.Error(t, err)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.NoFileExists(t, target)
	assertNoTemp(t, dir)

	// And an existing target is left untouched.
	require.NoError(t, os.WriteFile(target, []byte("keep"), 0o600))
	require.Error(t, f.sb.FS.DownloadFile(t.Context(), "x.txt", target, DownloadOptions{}))
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(b))
}

// TestDownloadStatusErrors: the single-file endpoints' empty-body errors
// map to the status sentinels.
func TestDownloadStatusErrors(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("path") {
		case "missing":
			w.WriteHeader(404)
		default:
			w.WriteHeader(400)
		}
	})
	_, err := f.sb.FS.Download(t.Context(), "missing")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = f.sb.FS.Download(t.Context(), "dir")
	require.ErrorIs(t, err, ErrValidation)
}

// TestToolboxRaw: Sandbox.Toolbox resolves the base URL per request and
// returns error statuses as responses.
func TestToolboxRaw(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "0.205.1", r.Header.Get("X-Daytona-SDK-Version"))
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		if r.URL.Query().Get("path") == "dir with space" {
			writeJSON(w, 200, map[string]any{"name": "dir with space", "isDir": true, "size": 0, "mode": "drwx", "modTime": "",
				"modifiedAt": "", "owner": "0", "group": "0", "permissions": "0755"})
			return
		}
		w.WriteHeader(404)
	})
	tb := f.sb.Toolbox()
	resp, err := tb.GetFileInfoWithResponse(context.Background(), &toolbox.GetFileInfoParams{Path: "dir with space"})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200)
	assert.True(t, resp.JSON200.IsDir)
	resp, err = tb.GetFileInfoWithResponse(context.Background(), &toolbox.GetFileInfoParams{Path: "missing"})
	require.NoError(t, err, "raw access returns error statuses as responses")
	assert.Equal(t, 404, resp.StatusCode())
	assert.Equal(t, []string{"GET /tb/sb-1/files/info", "GET /tb/sb-1/files/info"}, f.sent())
}

// TestFileInfo: the toolbox's FileInfo is converted field by field.
func TestFileInfo(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"name": "hello.txt", "size": 12, "mode": "-rw-r--r--",
			"modTime": "2026-11-25 17:18:23.150394735 +0000 UTC", "modifiedAt": "2026-11-25T17:18:23.150394735Z",
			"isDir": false, "owner": "0", "group": "0", "permissions": "0644", "path": "/home/daytona/hello.txt"})
	})
	fi, err := f.sb.FS.Info(t.Context(), "hello.txt")
	require.NoError(t, err)
	assert.Equal(t, "hello.txt", fi.Name)
	assert.Equal(t, "/home/daytona/hello.txt", fi.Path)
	assert.Equal(t, int64(12), fi.Size)
	assert.Equal(t, "0644", fi.Permissions)
	assert.Equal(t, "-rw-r--r--", fi.Mode)
	assert.Equal(t, 150394735, fi.ModifiedAt.Nanosecond())
	assert.Equal(t, 2026, fi.ModifiedAt.Year())
}

// TestUploadOnAnOldDaemon: a toolbox without files/upload-v2 (before
// v0.205) answers its router's 404; the error says so and points at
// UploadMany, and a 404 about the file itself is left alone.
func TestUploadOnAnOldDaemon(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body string
		old                     bool
	}{
		{"route missing", "text/plain", "404 page not found", true},
		{"daemon error", "application/json", `{"statusCode":404,"code":"FILE_NOT_FOUND","message":"404 page not found"}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, tt.body)
			})
			err := f.sb.FS.Upload(t.Context(), "a.txt", strings.NewReader("x"))
			require.ErrorIs(t, err, ErrNotFound)
			if tt.old {
				assert.Contains(t, err.Error(), "UploadMany")
			} else {
				assert.NotContains(t, err.Error(), "UploadMany")
			}
		})
	}
}
