package hostinfo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseCPU(t *testing.T) {
	tests := []struct {
		line string
		want CPU
		ok   bool
	}{
		{"cpu  10 0 5 80 5 0 0 0 0 0", CPU{Idle: 85, Total: 100}, true},
		{"cpu 1 2 3", CPU{}, false},      // too few columns
		{"cpu0 1 2 3 4 5", CPU{}, false}, // not the aggregate line
		{"cpu 1 2 x 4 5", CPU{}, false},  // not a number
		{"", CPU{}, false},
	}
	for _, tt := range tests {
		got, ok := parseCPU(tt.line)
		assert.Equal(t, tt.ok, ok, tt.line)
		assert.Equal(t, tt.want, got, tt.line)
	}
	busy, ok := CPU{Idle: 85, Total: 100}.BusySince(CPU{Idle: 40, Total: 50})
	require.True(t, ok)
	assert.InDelta(t, 10.0, busy, 1e-9, "45 of 50 ticks idle")
	_, ok = CPU{Total: 5}.BusySince(CPU{Total: 5})
	assert.False(t, ok, "no time passed")
}

func TestParseMeminfo(t *testing.T) {
	got := parseMeminfo("MemTotal:       2048 kB\nMemAvailable:   1024 kB\nHugePages_Total:       3\nbroken line\nBad: x kB\n")
	assert.Equal(t, map[string]int64{"MemTotal": 2 << 20, "MemAvailable": 1 << 20, "HugePages_Total": 3}, got)
}

func TestReadHost(t *testing.T) {
	c, ok := ReadCPU()
	require.True(t, ok, "this package is for Linux hosts")
	assert.Positive(t, c.Total)
	assert.Positive(t, Meminfo()["MemTotal"])
}
