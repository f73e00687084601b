package main

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipped: the emulator runs the app with python3, which is not on PATH")
	}
	env := extest.NewEnv(t)
	out := extest.RunIn(t, env, run)
	extest.Lines(t, out,
		`^Dockerfile:$`,
		`^  FROM python:3\.12\.\d+-slim-bookworm$`,
		`^  RUN python -m pip install 'requests>=2\.31'$`,
		`^  COPY \S+/daytona-image-example /home/daytona/app$`,
		`^  ENV APP_MODE=demo$`,
		`^  snapshot log \| Step 1/8 : FROM python:3\.12`,
		`^  snapshot log \| Step 7/8 : COPY `,
		`^  snapshot log \| Created snapshot image-example-\d+ \(active\)$`,
		`^snapshot image-example-\d+: active$`,
		`^app in sandbox: exit 0, "hello from the image demo"$`,
		`^listed snapshot image-example-\d+: active$`,
		`^  sandbox build log \| Step 1/8 : FROM python:3\.12`,
		`^  sandbox build log \| Step 8/8 : ENV APP_MODE=demo$`,
		`^sandbox from the image: started$`,
		`^app in sandbox: exit 0, "hello from the image demo"$`,
	)
	// One context, uploaded once: the second build found it in storage.
	assert.Len(t, env.Emulator.UploadedContexts(), 1)
	assert.Equal(t, 1, env.Emulator.Requests("PUT", "/daytona-volume-builds/**"), "the context was uploaded once")
}
