package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^local file: 64 MiB, sha256 [0-9a-f]{12}$`,
		`^upload:  25% \(16 of 64 MiB\)$`,
		`^upload:  50% `,
		`^upload:  75% `,
		`^upload: 100% \(64 of 64 MiB\)$`,
		`^in the sandbox: data/large.bin, 67108864 bytes$`,
		`^download:  25% `,
		`^download: 100% \(64 of 64 MiB\)$`,
		`^downloaded file: sha256 [0-9a-f]{12}, identical true$`,
		`^streamed download: 67108864 bytes, identical true$`,
		`^piped upload: "1000\\nline 1000 of a generated log\\n"$`,
		`^bulk upload: 100 files in one request, 100 found by Search$`,
		`^bulk download: bulk/missing.txt: not found \(a per-file error\)$`,
		`^bulk download: 100 of 101 files in one request, 100 intact$`,
	)
}
