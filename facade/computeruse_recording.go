package daytona

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Recordings records the sandbox's screen to MP4 files kept in the
// sandbox; use it as sb.ComputerUse.Recording. Recording needs ffmpeg in
// the sandbox (ErrRecordingFFmpegNotFound otherwise), but not the
// computer-use plugin.
type Recordings struct{ sb *Sandbox }

// RecordingStatus is the state of a recording.
type RecordingStatus string

// Recording states; values the SDK does not know still come through.
const (
	RecordingActive    RecordingStatus = "recording"
	RecordingCompleted RecordingStatus = "completed"
	RecordingFailed    RecordingStatus = "failed"
)

// Recording describes a screen recording.
type Recording struct {
	ID string // ID identifies the recording for Stop, Get, Download and Delete.
	// FileName and FilePath name the video file in the sandbox.
	FileName string
	FilePath string          // FilePath is the full path; FileName its base name.
	Status   RecordingStatus // Status is the recording's state; unknown values come through.
	// StartTime is when the recording started (for files the toolbox
	// found on disk: their modification time).
	StartTime time.Time
	// EndTime is when it ended; zero while it runs.
	EndTime time.Time
	// Duration is the recorded time, 0 if unknown.
	Duration time.Duration
	// SizeBytes is the file's size, -1 if unknown.
	SizeBytes int64
}

func recordingFromAPI(r *toolbox.Recording) *Recording {
	out := &Recording{
		ID: r.ID, FileName: r.FileName, FilePath: r.FilePath, Status: RecordingStatus(r.Status),
		StartTime: parseAPITime(&r.StartTime), EndTime: parseAPITime(r.EndTime), SizeBytes: -1,
	}
	if r.DurationSeconds != nil {
		out.Duration = time.Duration(float64(*r.DurationSeconds) * float64(time.Second))
	}
	if r.SizeBytes != nil {
		out.SizeBytes = int64(*r.SizeBytes)
	}
	return out
}

func checkRecordingID(op, id string) error {
	if id == "" || strings.ContainsAny(id, "/\x00") {
		return invalidf("%s: invalid recording id %q", op, id)
	}
	return nil
}

// RecordingOptions tunes Recordings.Start.
type RecordingOptions struct {
	// Label goes into the file name.
	Label string
}

// Start starts recording the screen.
func (r *Recordings) Start(ctx context.Context, opts RecordingOptions) (*Recording, error) {
	tb, err := r.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	body := toolbox.StartRecordingRequest{}
	if opts.Label != "" {
		body.Label = &opts.Label
	}
	resp, err := tb.StartRecordingWithResponse(ctx, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON201 == nil {
		return nil, unexpected("/computeruse/recordings/start", resp.Status())
	}
	return recordingFromAPI(resp.JSON201), nil
}

// Stop stops the active recording id and finishes its file. A recording
// that is not active fails with ErrNotFound.
func (r *Recordings) Stop(ctx context.Context, id string) (*Recording, error) {
	if err := checkRecordingID("Recording.Stop", id); err != nil {
		return nil, err
	}
	tb, err := r.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.StopRecordingWithResponse(ctx, toolbox.StopRecordingRequest{ID: id})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/recordings/stop", resp.Status())
	}
	return recordingFromAPI(resp.JSON200), nil
}

// List returns the recordings, active and finished.
func (r *Recordings) List(ctx context.Context) ([]Recording, error) {
	tb, err := r.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListRecordingsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/recordings", resp.Status())
	}
	out := make([]Recording, 0, len(resp.JSON200.Recordings))
	for i := range resp.JSON200.Recordings {
		out = append(out, *recordingFromAPI(&resp.JSON200.Recordings[i]))
	}
	return out, nil
}

// Get returns the recording id (ErrNotFound if there is none).
func (r *Recordings) Get(ctx context.Context, id string) (*Recording, error) {
	if err := checkRecordingID("Recording.Get", id); err != nil {
		return nil, err
	}
	tb, err := r.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetRecordingWithResponse(ctx, id)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/recordings/{id}", resp.Status())
	}
	return recordingFromAPI(resp.JSON200), nil
}

// Delete deletes the recording id and its file. An active recording fails
// with ErrRecordingStillActive.
func (r *Recordings) Delete(ctx context.Context, id string) error {
	if err := checkRecordingID("Recording.Delete", id); err != nil {
		return err
	}
	return r.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DeleteRecordingWithResponse(ctx, id)
		return err
	})
}

// Download streams the video file of the recording id. The caller must
// Close the reader; cancelling ctx ends the stream too. The file is not
// held in memory.
func (r *Recordings) Download(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := checkRecordingID("Recording.Download", id); err != nil {
		return nil, err
	}
	tb, err := r.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.DownloadRecording(ctx, id)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return &bodyReader{ctx: ctx, body: resp.Body}, nil
}

// DownloadFile downloads the video file of the recording id to the local
// file localPath. The content goes to a temporary file in localPath's
// directory, renamed to localPath once complete: a failure leaves no
// partial file. It returns the number of bytes written.
func (r *Recordings) DownloadFile(ctx context.Context, id, localPath string) (int64, error) {
	if err := checkPath("Recording.DownloadFile", "localPath", localPath); err != nil {
		return 0, err
	}
	rc, err := r.Download(ctx, id)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return writeLocalFile(localPath, rc, nil)
}
