package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const sample = `goos: linux
goarch: amd64
pkg: github.com/daytona-go/daytona/stream
cpu: AMD EPYC
BenchmarkDemux/baseline-copy/frame=64-2         	  100	     2000 ns/op	  32.00 MB/s	   0 B/op	   0 allocs/op
BenchmarkDemux/demux/frame=64-2                 	  100	     3000 ns/op	  21.33 MB/s	  16 B/op	   1 allocs/op
BenchmarkUploadBody/baseline-iocopy-2           	  100	     1000 ns/op
BenchmarkUploadBody/baseline-pipe-2             	  100	     4000 ns/op
BenchmarkUploadBody/upload-body-2               	  100	     2000 ns/op
PASS
ok  	github.com/daytona-go/daytona/stream	1.0s
pkg: github.com/daytona-go/daytona/daytonatest/internal/toolbox
BenchmarkDownloadFile-2                         	  10	   500 ns/op
BenchmarkDownloadFileBaseline-2                 	  10	   250 ns/op
pkg: github.com/daytona-go/daytona/facade
BenchmarkGet/net_http-2                         	  10	   100 ns/op
BenchmarkGet/facade-2                           	  10	   150 ns/op
BenchmarkWait10s/baseline-official-curve-2      	  1	 10000000 ns/op	  57.00 GETs/op	 20.0 ms-after-change
BenchmarkWait10s/facade-WaitUntil-2             	  1	 10500000 ns/op	  18.00 GETs/op	 500.0 ms-after-change
BenchmarkLonely-2                               	  1	   42 ns/op
pkg: github.com/daytona-go/daytona/imagebuilder
BenchmarkWriteTar-2                             	  1	   300 ns/op
BenchmarkCopyBaseline-2                         	  1	   100 ns/op
`

func TestTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-pair", "imagebuilder.WriteTar=CopyBaseline"}, strings.NewReader(sample), &out))
	got := out.String()
	for _, row := range []string{
		"| stream | Demux/demux/frame=64 | Demux/baseline-copy/frame=64 | ns/op | 3000 | 2000 | 1.50 |",
		"| stream | Demux/demux/frame=64 | Demux/baseline-copy/frame=64 | MB/s | 21.3 | 32.0 | 0.67 |",
		"| stream | UploadBody/upload-body | UploadBody/baseline-iocopy | ns/op | 2000 | 1000 | 2.00 |",
		"| stream | UploadBody/upload-body | UploadBody/baseline-pipe | ns/op | 2000 | 4000 | 0.50 |",
		"| toolbox | DownloadFile | DownloadFileBaseline | ns/op | 500.0 | 250.0 | 2.00 |",
		"| facade | Get/facade | Get/net_http | ns/op | 150.0 | 100.0 | 1.50 |",
		"| facade | Wait10s/facade-WaitUntil | Wait10s/baseline-official-curve | GETs/op | 18.0 | 57.0 | 0.32 |",
		"| facade | Wait10s/facade-WaitUntil | Wait10s/baseline-official-curve | ms-after-change | 500.0 | 20.0 | 25.00 |",
		"| imagebuilder | WriteTar | CopyBaseline | ns/op | 300.0 | 100.0 | 3.00 |",
	} {
		assert.Contains(t, got, row)
	}
	assert.NotContains(t, got, "B/op |", "memory columns stay in the raw output")
	assert.Contains(t, got, "Without a baseline: facade Lonely (42.0 ns/op).")
	assert.Contains(t, got, "linux/amd64, AMD EPYC")
}

func TestReplaceTable(t *testing.T) {
	md := filepath.Join(t.TempDir(), "B.md")
	require.NoError(t, os.WriteFile(md, []byte("# B\n\n<!-- bench table -->\nold\n<!-- /bench table -->\n\ntail\n"), 0o644))
	require.NoError(t, run([]string{"-md", md}, strings.NewReader(sample), nil))
	b, err := os.ReadFile(md)
	require.NoError(t, err)
	s := string(b)
	assert.NotContains(t, s, "old")
	assert.True(t, strings.HasPrefix(s, "# B\n\n<!-- bench table -->\nMachine: "), s)
	assert.True(t, strings.HasSuffix(s, "<!-- /bench table -->\n\ntail\n"), s)
}

func TestErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args  []string
		input string
	}{
		"no results": {nil, "PASS\n"},
		"bad pair":   {[]string{"-pair", "nodot=x"}, sample},
		"bad regexp": {[]string{"-baseline", "("}, sample},
		"no markers": {[]string{"-md", filepath.Join(t.TempDir(), "none.md")}, sample},
		"bad value":  {nil, "BenchmarkX-2 1 abc ns/op\n"},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, run(tc.args, strings.NewReader(tc.input), &bytes.Buffer{}))
		})
	}
}
