// Lifecycle walks one sandbox through its life: create, labels, the
// automatic intervals, resize, stop, start, archive, get and list, delete.
//
//	go run ./examples/lifecycle
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which. Archiving takes
// a few minutes on Daytona.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(15*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	c := env.Client
	name := fmt.Sprintf("lifecycle-%d", time.Now().UnixNano())

	// Create: the options struct's zero values mean the server's defaults.
	// Intervals are durations, sent in whole minutes.
	sb, err := c.Create(ctx, daytona.FromSnapshot{
		Name:             name,
		Labels:           map[string]string{"example": "lifecycle"},
		AutoStopInterval: 30 * time.Minute,
	}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb) // a no-op once the sandbox is deleted
	}
	if err != nil {
		return err
	}
	r := sb.Resources()
	fmt.Fprintf(w, "created %s: %s, %d cpu, %d GB memory, %d GB disk, auto-stop %d min\n",
		sb.Name(), sb.State(), r.CPU, r.Memory, r.Disk, sb.AutoStopInterval())

	// Labels replace the whole set.
	if err := sb.SetLabels(ctx, map[string]string{"example": "lifecycle", "stage": "demo"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "labels: stage=%s\n", sb.Labels()["stage"])

	// The automatic actions, in minutes: auto-stop after inactivity,
	// auto-archive and auto-delete after being stopped that long.
	if err := sb.SetAutostopInterval(ctx, 15); err != nil {
		return err
	}
	if err := sb.SetAutoArchiveInterval(ctx, 60); err != nil {
		return err
	}
	if err := sb.SetAutoDeleteInterval(ctx, 24*60); err != nil {
		return err
	}
	fmt.Fprintf(w, "intervals: auto-stop %d min, auto-archive %d min, auto-delete %d min\n",
		sb.AutoStopInterval(), sb.AutoArchiveInterval(), sb.AutoDeleteInterval())

	// A started sandbox can grow its CPU and memory; the call waits until
	// the resize is over.
	if err := sb.Resize(ctx, daytona.Resources{CPU: r.CPU + 1}); err != nil {
		return err
	}
	fmt.Fprintf(w, "resized: %d cpu, state %s\n", sb.Resources().CPU, sb.State())

	// Stop waits until the sandbox is stopped; Start until it is started.
	if err := sb.Stop(ctx, daytona.StopOptions{}); err != nil {
		return err
	}
	fmt.Fprintln(w, "stopped:", sb.State())

	// The disk only grows, and only while the sandbox is stopped.
	if err := sb.Resize(ctx, daytona.Resources{Disk: r.Disk + 1}); err != nil {
		return err
	}
	fmt.Fprintf(w, "resized: %d GB disk, state %s\n", sb.Resources().Disk, sb.State())

	if err := sb.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "started:", sb.State())

	// Archive moves a stopped sandbox's files to object storage; Start
	// brings it back.
	if err := sb.Stop(ctx, daytona.StopOptions{}); err != nil {
		return err
	}
	if err := sb.Archive(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "archived:", sb.State())
	if err := sb.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "started again:", sb.State())

	// Get by name (or ID), and list by label: List is an iterator that
	// fetches pages as the loop advances.
	got, err := c.Get(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "get %s: same sandbox %t\n", name, got.ID() == sb.ID())
	n := 0
	for s, err := range c.List(ctx, daytona.ListOptions{Labels: map[string]string{"stage": "demo"}}) {
		if err != nil {
			return err
		}
		if s.ID() == sb.ID() {
			n++
		}
	}
	fmt.Fprintf(w, "list by label stage=demo: found it %d time(s)\n", n)

	// Delete waits until the sandbox is destroyed; afterwards Get fails
	// with an error matching ErrNotFound.
	if err := sb.Delete(ctx); err != nil {
		return err
	}
	fmt.Fprintln(w, "deleted:", sb.State())
	_, err = c.Get(ctx, name)
	fmt.Fprintf(w, "get after delete: not found %t\n", errors.Is(err, daytona.ErrNotFound))
	return nil
}
