// Package hostinfo reads the host's CPU and memory figures from /proc, for
// the toolbox's /system/metrics and the emulator's telemetry samples.
package hostinfo

import (
	"os"
	"strconv"
	"strings"
)

// CPU is a reading of the aggregate "cpu" line of /proc/stat, in clock
// ticks since boot.
type CPU struct {
	Idle  uint64 // idle and iowait
	Total uint64 // every column
}

// ReadCPU reads /proc/stat; false when it cannot be read or parsed.
func ReadCPU() (CPU, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return CPU{}, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseCPU(line)
}

// parseCPU parses the aggregate line of /proc/stat.
func parseCPU(line string) (CPU, bool) {
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return CPU{}, false
	}
	var c CPU
	for i, f := range fields[1:] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return CPU{}, false
		}
		c.Total += n
		if i == 3 || i == 4 { // idle, iowait
			c.Idle += n
		}
	}
	return c, true
}

// BusySince is the percentage of the CPU time between prev and c that was
// not idle; false when no time passed.
func (c CPU) BusySince(prev CPU) (float64, bool) {
	if c.Total <= prev.Total {
		return 0, false
	}
	dt := c.Total - prev.Total
	return 100 * float64(dt-(c.Idle-prev.Idle)) / float64(dt), true
}

// Meminfo returns the values of /proc/meminfo in bytes, by name
// (MemTotal, MemAvailable, Cached, ...); empty when it cannot be read.
func Meminfo() map[string]int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return map[string]int64{}
	}
	return parseMeminfo(string(b))
}

// parseMeminfo parses the text of /proc/meminfo; lines that do not parse
// are skipped.
func parseMeminfo(text string) map[string]int64 {
	out := map[string]int64{}
	for line := range strings.Lines(text) {
		k, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		out[k] = n
	}
	return out
}
