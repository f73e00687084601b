package toolbox

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// Screen recordings (PROTOCOLS.md 9): ffmpeg's x11grab into H.264 MP4
// files under $HOME/.daytona/recordings (the root's), named
// "{id}_{label}_{yyyymmdd_hhmmss}.mp4" or "{id}_session_….mp4" as the
// daemon names them. Stop sends ffmpeg "q" so that it finishes the file,
// and kills it after 10 s. A recording whose ffmpeg exits by itself (no X
// display, say) becomes "failed". The list holds this toolbox's recordings
// and any other .mp4 file in the directory (its id taken from its name).
// Labels are reduced to [A-Za-z0-9._-] in file names (the daemon puts them
// in as they are).

// recorder manages one toolbox's recordings.
type recorder struct {
	c    *core
	mu   sync.Mutex
	byID map[string]*recording
}

// recording is a recording this toolbox made.
type recording struct {
	id, fileName, filePath string
	start, end             time.Time
	status                 string // recording, completed, failed

	stdin  io.WriteCloser // ffmpeg's, while recording
	pid    int
	exited chan struct{}
}

// Recording errors.
var (
	errRecordingNotFound = fieldError(http.StatusNotFound, "recording not found")
	errFFmpegNotFound    = newError(http.StatusServiceUnavailable, "RECORDING_FFMPEG_NOT_FOUND",
		"service unavailable: FFmpeg must be installed and available in PATH to use screen recording")
	errRecordingActive = newError(http.StatusConflict, "RECORDING_STILL_ACTIVE",
		"conflict: cannot delete an active recording, stop it first")
)

func (r *recorder) dir() string { return filepath.Join(r.c.root, ".daytona", "recordings") }

var unsafeLabel = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// dto is the API's Recording of rec. The caller holds r.mu.
func (rec *recording) dto() tbserver.Recording {
	status := rec.status
	if status == "stopping" {
		status = "recording"
	}
	out := tbserver.Recording{
		ID: rec.id, FileName: rec.fileName, FilePath: rec.filePath,
		StartTime: rec.start.UTC().Format(time.RFC3339Nano), Status: status,
	}
	if !rec.end.IsZero() {
		out.EndTime = ptrTo(rec.end.UTC().Format(time.RFC3339Nano))
		out.DurationSeconds = ptrTo(float32(rec.end.Sub(rec.start).Seconds()))
		if fi, err := os.Stat(rec.filePath); err == nil {
			out.SizeBytes = ptrTo(int(fi.Size()))
		}
	}
	return out
}

// start starts ffmpeg on display (the emulator's X server, or $DISPLAY,
// or :0 as the daemon defaults).
func (r *recorder) start(label, display, size string) (tbserver.Recording, error) {
	ffmpeg, err := r.c.lookPath("ffmpeg")
	if err != nil {
		return tbserver.Recording{}, errFFmpegNotFound
	}
	if err := os.MkdirAll(r.dir(), 0o755); err != nil {
		return tbserver.Recording{}, internalError("creating the recordings directory: %v", err)
	}
	now := time.Now()
	id := uuid.NewString()
	name := id + "_session_" + now.Format("20060102_150405") + ".mp4"
	if label != "" {
		name = id + "_" + unsafeLabel.ReplaceAllString(label, "_") + "_" + now.Format("20060102_150405") + ".mp4"
	}
	path := filepath.Join(r.dir(), name)
	args := []string{"-hide_banner", "-loglevel", "error", "-f", "x11grab", "-framerate", "30"}
	if size != "" {
		args = append(args, "-video_size", size)
	}
	args = append(args, "-i", display, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", path)
	cmd := exec.Command(ffmpeg, args...)
	cmd.Env = r.c.env.environ(map[string]string{"DISPLAY": display})
	cmd.Dir = r.c.root
	var stderr tailBuffer
	stderr.limit = 4 << 10
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return tbserver.Recording{}, internalError("%v", err)
	}
	if err := r.c.startProcess(cmd); err != nil {
		return tbserver.Recording{}, internalError("failed to start ffmpeg: %v", err)
	}
	rec := &recording{id: id, fileName: name, filePath: path, start: now, status: "recording",
		stdin: stdin, pid: cmd.Process.Pid, exited: make(chan struct{})}
	r.mu.Lock()
	r.byID[id] = rec
	out := rec.dto()
	r.mu.Unlock()
	r.c.goTracked(func() {
		err := cmd.Wait()
		r.c.releaseProcess(cmd)
		r.mu.Lock()
		if rec.status == "recording" { // ended by itself, not by stop
			rec.end = time.Now()
			rec.status = "failed"
			if err == nil {
				rec.status = "completed"
			}
			r.c.log.Debug("recording ended by itself", "id", id, "error", err, "stderr", stderr.String())
		}
		r.mu.Unlock()
		close(rec.exited)
	})
	return out, nil
}

// stop finishes an active recording.
func (r *recorder) stop(id string) (tbserver.Recording, error) {
	r.mu.Lock()
	rec := r.byID[id]
	if rec == nil || rec.status != "recording" {
		r.mu.Unlock()
		return tbserver.Recording{}, errRecordingNotFound // the daemon only looks among active ones
	}
	rec.status = "stopping"
	r.mu.Unlock()
	_, _ = rec.stdin.Write([]byte("q"))
	_ = rec.stdin.Close()
	select {
	case <-rec.exited:
	case <-time.After(10 * time.Second):
		killGroup(rec.pid)
		<-rec.exited
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.end, rec.status = time.Now(), "completed"
	return rec.dto(), nil
}

// list returns every recording: this toolbox's, and the other .mp4 files
// of the directory, by start time.
func (r *recorder) list() ([]tbserver.Recording, error) {
	r.mu.Lock()
	out := make([]tbserver.Recording, 0, len(r.byID))
	known := map[string]bool{}
	for _, rec := range r.byID {
		out = append(out, rec.dto())
		known[rec.fileName] = true
	}
	r.mu.Unlock()
	entries, err := os.ReadDir(r.dir())
	if err != nil && !os.IsNotExist(err) {
		return nil, internalError("failed to read recordings directory: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".mp4" || known[e.Name()] {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		path := filepath.Join(r.dir(), e.Name())
		id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(path)).String()
		if prefix, _, ok := strings.Cut(e.Name(), "_"); ok && uuid.Validate(prefix) == nil {
			id = prefix
		}
		mod := fi.ModTime().UTC().Format(time.RFC3339Nano)
		out = append(out, tbserver.Recording{ID: id, FileName: e.Name(), FilePath: path, StartTime: mod,
			EndTime: &mod, Status: "completed", SizeBytes: ptrTo(int(fi.Size()))})
	}
	slices.SortFunc(out, func(a, b tbserver.Recording) int {
		ta, _ := time.Parse(time.RFC3339Nano, a.StartTime)
		tb, _ := time.Parse(time.RFC3339Nano, b.StartTime)
		return ta.Compare(tb)
	})
	return out, nil
}

// get finds a recording by id.
func (r *recorder) get(id string) (tbserver.Recording, error) {
	all, err := r.list()
	if err != nil {
		return tbserver.Recording{}, err
	}
	for _, rec := range all {
		if rec.ID == id {
			return rec, nil
		}
	}
	return tbserver.Recording{}, errRecordingNotFound
}

// remove deletes a finished recording's file.
func (r *recorder) remove(id string) error {
	r.mu.Lock()
	if rec := r.byID[id]; rec != nil && (rec.status == "recording" || rec.status == "stopping") {
		r.mu.Unlock()
		return errRecordingActive
	}
	r.mu.Unlock()
	rec, err := r.get(id)
	if err != nil {
		return err
	}
	if err := os.Remove(rec.FilePath); err != nil {
		if os.IsNotExist(err) {
			return errRecordingNotFound
		}
		return internalError("failed to delete recording file: %v", err)
	}
	r.mu.Lock()
	delete(r.byID, id)
	r.mu.Unlock()
	return nil
}

// ListRecordings serves GET /computeruse/recordings.
func (h computerUseHandlers) ListRecordings(context.Context, tbserver.ListRecordingsRequestObject) (tbserver.ListRecordingsResponseObject, error) {
	all, err := h.u.rec.list()
	if err != nil {
		return nil, err
	}
	return tbserver.ListRecordings200JSONResponse{Recordings: all}, nil
}

// StartRecording serves POST /computeruse/recordings/start.
func (h computerUseHandlers) StartRecording(ctx context.Context, req tbserver.StartRecordingRequestObject) (tbserver.StartRecordingResponseObject, error) {
	label := ""
	if req.Body != nil {
		label = deref(req.Body.Label)
	}
	display, size := "", ""
	if t, ok := h.u.tools(); ok {
		if d, err := h.u.display(); err == nil {
			display = d
			if w, hgt, err := h.u.screenSize(ctx, t); err == nil {
				size = itoa(&w) + "x" + itoa(&hgt)
			}
		}
	}
	if display == "" {
		display = ":0"
		for _, kv := range h.u.c.env.environ(nil) {
			if v, ok := strings.CutPrefix(kv, "DISPLAY="); ok && v != "" {
				display = v
			}
		}
	}
	rec, err := h.u.rec.start(label, display, size)
	if err != nil {
		return nil, err
	}
	return tbserver.StartRecording201JSONResponse(rec), nil
}

// StopRecording serves POST /computeruse/recordings/stop.
func (h computerUseHandlers) StopRecording(_ context.Context, req tbserver.StopRecordingRequestObject) (tbserver.StopRecordingResponseObject, error) {
	if req.Body == nil || req.Body.ID == "" {
		return nil, fieldError(http.StatusBadRequest, "id is required")
	}
	rec, err := h.u.rec.stop(req.Body.ID)
	if err != nil {
		return nil, err
	}
	return tbserver.StopRecording200JSONResponse(rec), nil
}

// GetRecording serves GET /computeruse/recordings/{id}.
func (h computerUseHandlers) GetRecording(_ context.Context, req tbserver.GetRecordingRequestObject) (tbserver.GetRecordingResponseObject, error) {
	rec, err := h.u.rec.get(req.ID)
	if err != nil {
		return nil, err
	}
	return tbserver.GetRecording200JSONResponse(rec), nil
}

// DeleteRecording serves DELETE /computeruse/recordings/{id}.
func (h computerUseHandlers) DeleteRecording(_ context.Context, req tbserver.DeleteRecordingRequestObject) (tbserver.DeleteRecordingResponseObject, error) {
	if err := h.u.rec.remove(req.ID); err != nil {
		return nil, err
	}
	return tbserver.DeleteRecording204Response{}, nil
}

// DownloadRecording serves GET /computeruse/recordings/{id}/download: the
// file, streamed.
func (h computerUseHandlers) DownloadRecording(_ context.Context, req tbserver.DownloadRecordingRequestObject) (tbserver.DownloadRecordingResponseObject, error) {
	rec, err := h.u.rec.get(req.ID)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(rec.FilePath)
	if err != nil {
		return nil, fieldError(http.StatusNotFound, "file not found")
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, internalError("%v", err)
	}
	// The announced size bounds the copy: an active recording still grows.
	body := struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, fi.Size()), f}
	return tbserver.DownloadRecording200ApplicationOctetStreamResponse{Body: body, ContentLength: fi.Size()}, nil
}
