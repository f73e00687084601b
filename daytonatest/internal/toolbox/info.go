package toolbox

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/hostinfo"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// infoHandlers serves the toolbox's info and miscellaneous endpoints
// (PROTOCOLS.md 0.7).
type infoHandlers struct{ c *core }

// GetVersion serves GET /version.
func (h infoHandlers) GetVersion(context.Context, tbserver.GetVersionRequestObject) (tbserver.GetVersionResponseObject, error) {
	return tbserver.GetVersion200JSONResponse{"version": h.c.version}, nil
}

// GetUserHomeDir serves GET /user-home-dir: the root.
func (h infoHandlers) GetUserHomeDir(context.Context, tbserver.GetUserHomeDirRequestObject) (tbserver.GetUserHomeDirResponseObject, error) {
	return tbserver.GetUserHomeDir200JSONResponse{Dir: h.c.root}, nil
}

// GetWorkDir serves GET /work-dir: the root.
func (h infoHandlers) GetWorkDir(context.Context, tbserver.GetWorkDirRequestObject) (tbserver.GetWorkDirResponseObject, error) {
	return tbserver.GetWorkDir200JSONResponse{Dir: h.c.root}, nil
}

// projectDir serves GET /project-dir (legacy, not in the spec): the work dir.
func (h infoHandlers) projectDir(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, tbserver.WorkDirResponse{Dir: h.c.root})
}

// Initialize serves POST /init: the daemon stores the token for telemetry
// only; the emulator accepts and forgets it.
func (h infoHandlers) Initialize(_ context.Context, req tbserver.InitializeRequestObject) (tbserver.InitializeResponseObject, error) {
	if req.Body == nil || req.Body.Token == "" {
		return nil, badRequest("token is required")
	}
	return tbserver.Initialize200JSONResponse{"message": "Auth token set and telemetry initialized successfully"}, nil
}

// UpdateEnv serves POST /env: processes started afterwards (exec, code
// run, new sessions, git) get the new environment.
func (h infoHandlers) UpdateEnv(_ context.Context, req tbserver.UpdateEnvRequestObject) (tbserver.UpdateEnvResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, badRequest("invalid request body")
	}
	var set map[string]string
	if b.Set != nil {
		set = *b.Set
	}
	if err := checkEnvNames(set); err != nil {
		return nil, err
	}
	var unset []string
	if b.Unset != nil {
		unset = *b.Unset
	}
	prefix := ""
	if b.UnsetValuePrefix != nil {
		prefix = *b.UnsetValuePrefix
	}
	if _, ok := set["HOME"]; ok || slices.Contains(unset, "HOME") {
		return nil, badRequest("HOME is the sandbox root and cannot be changed")
	}
	h.c.env.update(set, unset, prefix)
	return tbserver.UpdateEnv200JSONResponse{"message": "Environment updated"}, nil
}

// GetPorts serves GET /port: the TCP ports listening on the host (the
// emulator's processes share the host's network, its own port included).
func (h infoHandlers) GetPorts(context.Context, tbserver.GetPortsRequestObject) (tbserver.GetPortsResponseObject, error) {
	ports := listeningPorts()
	return tbserver.GetPorts200JSONResponse{Ports: &ports}, nil
}

// IsPortInUse serves GET /port/{port}/in-use; only 3000-9999 are accepted,
// anything else is an empty 400 (quirk 37).
func (h infoHandlers) IsPortInUse(_ context.Context, req tbserver.IsPortInUseRequestObject) (tbserver.IsPortInUseResponseObject, error) {
	if req.Port < 3000 || req.Port > 9999 {
		return nil, emptyError(http.StatusBadRequest)
	}
	inUse := slices.Contains(listeningPorts(), req.Port)
	return tbserver.IsPortInUse200JSONResponse{IsInUse: &inUse}, nil
}

// listeningPorts reads the listening TCP sockets from /proc/net/tcp{,6},
// sorted and without duplicates.
func listeningPorts() []int {
	ports := []int{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, portHex, ok := strings.Cut(fields[1], ":")
			if !ok {
				continue
			}
			if p, err := strconv.ParseUint(portHex, 16, 16); err == nil {
				ports = append(ports, int(p))
			}
		}
		_ = f.Close()
	}
	slices.Sort(ports)
	return slices.Compact(ports)
}

// GetSystemMetrics serves GET /system/metrics with the host's figures: CPU
// from /proc/stat, memory from /proc/meminfo, disk of the root's file
// system.
func (h infoHandlers) GetSystemMetrics(context.Context, tbserver.GetSystemMetricsRequestObject) (tbserver.GetSystemMetricsResponseObject, error) {
	now := time.Now().UTC()
	cpus := runtime.NumCPU()
	m := tbserver.SystemMetrics{CPUCount: &cpus}
	if s, ok := hostinfo.ReadCPU(); ok {
		h.c.cpuMu.Lock()
		prev := h.c.cpuPrev
		h.c.cpuPrev = s
		h.c.cpuMu.Unlock()
		if pct, ok := s.BusySince(prev); ok {
			m.CPUUsedPct = &pct
		}
	}
	mem := hostinfo.Meminfo()
	if total, ok := mem["MemTotal"]; ok {
		used := total - mem["MemAvailable"]
		cache := mem["Cached"] + mem["Buffers"]
		m.MemTotal, m.MemUsed, m.MemCache = &total, &used, &cache
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(h.c.root, &st); err == nil {
		bs := int64(st.Bsize)
		total := int64(st.Blocks) * bs
		free := int64(st.Bavail) * bs
		used := (int64(st.Blocks) - int64(st.Bfree)) * bs
		m.DiskTotal, m.DiskFree, m.DiskUsed = &total, &free, &used
	}
	ts, unix := now.Format(time.RFC3339), now.Unix()
	m.Timestamp, m.TimestampUnix = &ts, &unix
	return tbserver.GetSystemMetrics200JSONResponse(m), nil
}
