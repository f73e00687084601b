package toolbox

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/stream"
)

// logMode is the format of session output a request gets (0.3, 5.4).
type logMode int

const (
	modeCombined logMode = iota // markers removed, stdout and stderr merged
	modeRaw                     // the log with its markers, no split
	modeSplit                   // the log with its markers plus stdout and stderr apart
)

// Headers that choose the session output format.
const (
	sdkVersionHeader   = "X-Daytona-SDK-Version"
	splitOutputHeader  = "X-Daytona-Split-Output"
	versionSubprotocol = "X-Daytona-SDK-Version~"
)

// semverRe reads "X.Y.Z" with an optional "v" and suffix ("X.Y.Zsuffix" is
// X.Y.Z-suffix).
var semverRe = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(.*)$`)

// semver is a parsed version; pre is the pre-release suffix.
type semver struct {
	core [3]int
	pre  string
}

// parseSemver parses v as the daemon does.
func parseSemver(v string) (semver, bool) {
	m := semverRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return semver{}, false
	}
	var s semver
	for i := range 3 {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return semver{}, false
		}
		s.core[i] = n
	}
	rest := m[4]
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		rest = rest[:i] // build metadata
	}
	s.pre = strings.TrimPrefix(rest, "-")
	return s, true
}

// less reports whether s < major.minor.patch.
func (s semver) less(major, minor, patch int) bool {
	want := [3]int{major, minor, patch}
	for i := range 3 {
		if s.core[i] != want[i] {
			return s.core[i] < want[i]
		}
	}
	return s.pre != "" // a pre-release precedes its release
}

// offeredVersion returns the version subprotocol the client offered on a
// WebSocket upgrade, whole ("X-Daytona-SDK-Version~0.205.1"), or "".
func offeredVersion(h http.Header) string {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); strings.HasPrefix(p, versionSubprotocol) {
				return p
			}
		}
	}
	return ""
}

// outputModeOf returns the output format for a request's headers: the
// version header, else the version subprotocol, read as in 0.3. The
// entrypoint's logs are never combined (quirk 3).
func outputModeOf(h http.Header, neverCombined bool) logMode {
	v := strings.TrimSpace(h.Get(sdkVersionHeader))
	if v == "" {
		v = strings.TrimPrefix(offeredVersion(h), versionSubprotocol)
	}
	mode := modeCombined
	switch {
	case v == "":
		if strings.EqualFold(h.Get(splitOutputHeader), "true") {
			mode = modeRaw
		}
	case strings.Contains(v, "dev"):
		mode = modeSplit
	default:
		sv, ok := parseSemver(v)
		switch {
		case !ok:
			mode = modeRaw
		case sv.less(0, 27, 0):
			mode = modeCombined
		case sv.less(0, 167, 0):
			mode = modeRaw
		default:
			mode = modeSplit
		}
	}
	if neverCombined && mode == modeCombined {
		mode = modeRaw
	}
	return mode
}

// stripMarkers removes the stream markers of a whole log.
func stripMarkers(raw []byte) []byte {
	var out bytes.Buffer
	d := stream.NewDemux(&out, &out)
	_, _ = d.Write(raw) // a bytes.Buffer does not fail
	_ = d.Close()
	return out.Bytes()
}

// isWebSocketUpgrade reports whether r asks for a WebSocket.
func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// wsFrame is the largest BINARY frame of a log follow (one read of the
// daemon's log file).
const wsFrame = 1024

// followLogs serves a session log over a WebSocket (5.6): BINARY frames of
// raw log bytes (markers removed in combined mode), then a 1000 close once
// the command has ended and everything was sent, or at once without
// follow. An unknown session or command is refused before the upgrade.
// Deleting the session closes the stream with 1000; the client's data
// frames are read and dropped (the daemon's close race, 5.7, is not
// reproduced). The version subprotocol is echoed when offered.
func (h sessionHandlers) followLogs(w http.ResponseWriter, r *http.Request, sessionID, commandID string, follow bool) {
	s, cmd, err := h.findCommand(sessionID, commandID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	mode := outputModeOf(r.Header, sessionID == entrypointSession && commandID == "")
	var protocols []string
	if p := offeredVersion(r.Header); p != "" {
		protocols = []string{p}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protocols, InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered
	}
	ctx, cancel := context.WithCancel(h.sessions.c.ctx)
	defer cancel()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel()
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
	status, reason := pumpLog(ctx, conn, s, cmd, mode, follow)
	_ = conn.Close(status, reason)
	cancel()
	<-readerDone
}

// pumpLog sends the log and returns the close status.
func pumpLog(ctx context.Context, conn *websocket.Conn, s *session, cmd *command, mode logMode, follow bool) (websocket.StatusCode, string) {
	f, err := os.Open(cmd.log.path)
	if err != nil {
		return websocket.StatusInternalError, ""
	}
	defer f.Close()
	var strip *stream.Demux
	var stripped bytes.Buffer
	if mode == modeCombined {
		strip = stream.NewDemux(&stripped, &stripped)
	}
	send := func(p []byte, last bool) error {
		if strip != nil {
			stripped.Reset()
			_, _ = strip.Write(p)
			if last {
				_ = strip.Close()
			}
			p = stripped.Bytes()
		}
		if len(p) == 0 {
			return nil
		}
		return conn.Write(ctx, websocket.MessageBinary, p)
	}
	if !follow {
		data, err := io.ReadAll(f)
		if err != nil {
			return websocket.StatusInternalError, ""
		}
		if err := send(data, true); err != nil {
			return websocket.StatusInternalError, ""
		}
		return websocket.StatusNormalClosure, ""
	}
	buf := make([]byte, wsFrame)
	var off int64
	for {
		size, done, wake := cmd.log.state()
		for off < size {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
			off += int64(n)
			if n > 0 {
				if err := send(buf[:n], false); err != nil {
					return websocket.StatusInternalError, ""
				}
			}
			if err != nil && err != io.EOF {
				return websocket.StatusInternalError, ""
			}
			if n == 0 {
				break
			}
		}
		if done && off >= size {
			if err := send(nil, true); err != nil {
				return websocket.StatusInternalError, ""
			}
			return websocket.StatusNormalClosure, ""
		}
		select {
		case <-wake:
		case <-s.gone:
			return websocket.StatusNormalClosure, ""
		case <-ctx.Done():
			return websocket.StatusGoingAway, ""
		}
	}
}
