// Volumes shares files between sandboxes through a volume, storage that
// outlives them: one sandbox writes, another reads, one of them mounting
// only a subdirectory of the volume.
//
//	go run ./examples/volumes
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(10*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	c := env.Client
	name := fmt.Sprintf("example-volume-%d", time.Now().UnixNano())

	// Get with Create makes the volume if it does not exist; it is usable
	// once ready.
	v, err := c.Volumes.Get(ctx, name, daytona.GetVolumeOptions{Create: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "volume %s: %s\n", v.Name, v.State)
	deleted := false
	defer func() {
		if !deleted {
			_ = c.Volumes.Delete(context.WithoutCancel(ctx), v.ID)
		}
	}()
	v, err = c.Volumes.WaitUntilReady(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "volume %s: %s\n", v.Name, v.State)

	// The writer mounts the whole volume; the reader only its reports/
	// directory.
	writer, err := c.Create(ctx, daytona.FromSnapshot{
		Labels:  map[string]string{"example": "volumes"},
		Volumes: []daytona.VolumeMount{{VolumeID: v.ID, MountPath: "/home/daytona/shared"}},
	}, daytona.CreateOptions{})
	if writer != nil {
		defer exenv.Remove(w, writer)
	}
	if err != nil {
		return err
	}
	reader, err := c.Create(ctx, daytona.FromSnapshot{
		Labels:  map[string]string{"example": "volumes"},
		Volumes: []daytona.VolumeMount{{VolumeID: v.ID, MountPath: "/home/daytona/reports", Subpath: "reports"}},
	}, daytona.CreateOptions{})
	if reader != nil {
		defer exenv.Remove(w, reader)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "mounted in two sandboxes: %s at %s, %s at %s (subpath %s)\n",
		writer.ID(), writer.Volumes()[0].MountPath, reader.ID(), reader.Volumes()[0].MountPath, reader.Volumes()[0].Subpath)

	shared, err := env.SandboxPath(ctx, writer, "/home/daytona/shared") // the path itself, except on the emulator
	if err != nil {
		return err
	}
	res, err := writer.Process.Exec(ctx, "mkdir -p reports && echo 'written by the first sandbox' > reports/today.txt", daytona.ExecOptions{Cwd: shared})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("writing to the volume: %s", res.Result)
	}
	fmt.Fprintln(w, "the writer wrote reports/today.txt")

	reports, err := env.SandboxPath(ctx, reader, "/home/daytona/reports")
	if err != nil {
		return err
	}
	res, err = reader.Process.Exec(ctx, "cat today.txt", daytona.ExecOptions{Cwd: reports})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the reader sees today.txt: %q\n", strings.TrimSpace(res.Result))

	all, err := c.Volumes.List(ctx, daytona.VolumeListOptions{})
	if err != nil {
		return err
	}
	for _, x := range all {
		if x.ID == v.ID {
			fmt.Fprintf(w, "listed %s: %s\n", x.Name, x.State)
		}
	}

	// A volume in use cannot be deleted.
	err = c.Volumes.Delete(ctx, v.ID)
	fmt.Fprintf(w, "delete while mounted: conflict %t\n", errors.Is(err, daytona.ErrConflict))
	if err := writer.Delete(ctx); err != nil {
		return err
	}
	if err := reader.Delete(ctx); err != nil {
		return err
	}
	if err := c.Volumes.Delete(ctx, v.ID); err != nil {
		return err
	}
	deleted = true
	fmt.Fprintln(w, "sandboxes and volume deleted")
	return nil
}
