package daytona

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/daytona-go/daytona/api/controlplane"
)

// StopOptions configures [Sandbox.Stop].
type StopOptions struct {
	// Force kills the sandbox's processes (SIGKILL) instead of stopping
	// them gracefully.
	Force bool
}

// ForkOptions configures [Sandbox.Fork].
type ForkOptions struct {
	// Name is the fork's name; empty lets the server choose.
	Name string
}

// SandboxSnapshotOptions configures [Sandbox.CreateSnapshot].
type SandboxSnapshotOptions struct {
	// IncludeMemory also captures the sandbox's memory.
	IncludeMemory bool
}

// NetworkSettings is a sandbox's network policy, for
// [Sandbox.UpdateNetworkSettings].
type NetworkSettings struct {
	// NetworkBlockAll blocks all network access. It is always sent, so the
	// zero value lifts a block.
	NetworkBlockAll bool
	// NetworkAllowList lists the CIDRs the sandbox may reach. Nil leaves the
	// list unchanged; an empty non-nil slice clears it.
	NetworkAllowList []string
	// DomainAllowList lists the domains the sandbox may reach. Nil leaves
	// the list unchanged; an empty non-nil slice clears it.
	DomainAllowList []string
}

// Refresh reloads the sandbox's data from the control plane.
func (s *Sandbox) Refresh(ctx context.Context) error {
	resp, err := s.c.cp.GetSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return newSDKError(ErrServer, nil, "unexpected answer to GET /sandbox/%s: %s", s.ID(), resp.Status())
	}
	s.applyDTO(resp.JSON200)
	return nil
}

// applyOrRefresh stores dto, or refreshes when the answer carried none.
func (s *Sandbox) applyOrRefresh(ctx context.Context, dto *controlplane.Sandbox) error {
	if dto != nil {
		s.applyDTO(dto)
		return nil
	}
	return s.Refresh(ctx)
}

// Start starts a stopped or archived sandbox, or resumes a paused one, and
// waits until it is started. ctx bounds the request and the wait together.
func (s *Sandbox) Start(ctx context.Context) error {
	resp, err := s.c.cp.StartSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{targets: []State{StateStarted}})
}

// Stop stops the sandbox and waits until it is stopped. An ephemeral
// sandbox is destroyed when it stops; that, including the sandbox
// disappearing (404), also ends the wait.
func (s *Sandbox) Stop(ctx context.Context, opts StopOptions) error {
	var params *controlplane.StopSandboxParams
	if opts.Force {
		params = &controlplane.StopSandboxParams{Force: toPtr(true)}
	}
	resp, err := s.c.cp.StopSandboxWithResponse(ctx, s.ID(), params)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{targets: []State{StateStopped, StateDestroyed}, gone: true})
}

// Delete deletes the sandbox and waits until it is destroyed (a sandbox
// that no longer exists counts as destroyed, so deleting one twice is not
// an error).
func (s *Sandbox) Delete(ctx context.Context) error {
	resp, err := s.c.cp.DeleteSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		err = wrapErr(ctx, err)
		if errors.Is(err, ErrNotFound) {
			s.update(func(d *sandboxData) { d.state = StateDestroyed })
			return nil
		}
		return err
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{targets: []State{StateDestroyed}, gone: true})
}

// Archive moves a stopped sandbox's filesystem to object storage and waits
// until it is archived. Archiving can take minutes; ctx bounds the wait.
// Start brings an archived sandbox back.
func (s *Sandbox) Archive(ctx context.Context) error {
	resp, err := s.c.cp.ArchiveSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{targets: []State{StateArchived}})
}

// Recover recovers a sandbox from a recoverable error state (see
// [Sandbox.Recoverable]) and waits until it is started.
func (s *Sandbox) Recover(ctx context.Context) error {
	resp, err := s.c.cp.RecoverSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{targets: []State{StateStarted}})
}

// Resize changes the sandbox's CPU, memory and disk (zero fields stay as
// they are; GPUs cannot be resized) and waits until the resize is over.
func (s *Sandbox) Resize(ctx context.Context, r Resources) error {
	switch {
	case r.CPU < 0 || r.Memory < 0 || r.Disk < 0:
		return invalidf("resize: negative resources (cpu %d, memory %d, disk %d)", r.CPU, r.Memory, r.Disk)
	case r.GPU != 0 || len(r.GPUType) != 0:
		return invalidf("resize: GPUs cannot be resized")
	case r.CPU == 0 && r.Memory == 0 && r.Disk == 0:
		return invalidf("resize: no resources given")
	}
	var body controlplane.ResizeSandbox
	if r.CPU > 0 {
		body.CPU = toPtr(r.CPU)
	}
	if r.Memory > 0 {
		body.Memory = toPtr(r.Memory)
	}
	if r.Disk > 0 {
		body.Disk = toPtr(r.Disk)
	}
	resp, err := s.c.cp.ResizeSandboxWithResponse(ctx, s.ID(), nil, body)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{leave: StateResizing})
}

// Pause pauses the sandbox (for classes that support it) and waits until
// it has left the pausing state. Start resumes it.
func (s *Sandbox) Pause(ctx context.Context) error {
	resp, err := s.c.cp.PauseSandboxWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{leave: StatePausing})
}

// Fork creates a copy of the sandbox and waits until the copy is started.
// If the fork was created but the wait fails, Fork returns the fork
// together with the error, so the caller can inspect or delete it.
func (s *Sandbox) Fork(ctx context.Context, opts ForkOptions) (*Sandbox, error) {
	if err := validateName(opts.Name); err != nil {
		return nil, err
	}
	var body controlplane.ForkSandbox
	if opts.Name != "" {
		body.Name = toPtr(opts.Name)
	}
	resp, err := s.c.cp.ForkSandboxWithResponse(ctx, s.ID(), nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to fork: %s", resp.Status())
	}
	fork := newSandbox(s.c, sandboxFromAPI(resp.JSON200))
	return fork, fork.wait(ctx, defaultBackoff, stateWait{targets: []State{StateStarted}})
}

// CreateSnapshot captures the sandbox as a new snapshot called name and
// waits until the sandbox has left the snapshotting state.
func (s *Sandbox) CreateSnapshot(ctx context.Context, name string, opts SandboxSnapshotOptions) error {
	if strings.TrimSpace(name) == "" {
		return invalidf("snapshot name is empty")
	}
	body := controlplane.CreateSandboxSnapshot{Name: name}
	if opts.IncludeMemory {
		body.IncludeMemory = toPtr(true)
	}
	resp, err := s.c.cp.CreateSandboxSnapshotWithResponse(ctx, s.ID(), nil, body)
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return s.wait(ctx, defaultBackoff, stateWait{leave: StateSnapshotting})
}

// RefreshActivity records activity on the sandbox, which postpones its
// auto-stop, auto-pause and auto-archive.
func (s *Sandbox) RefreshActivity(ctx context.Context) error {
	_, err := s.c.cp.UpdateLastActivityWithResponse(ctx, s.ID(), nil, controlplane.UpdateLastActivity{})
	return wrapErr(ctx, err)
}

// SetAutostopInterval sets the minutes of inactivity after which the
// sandbox stops; 0 disables auto-stop.
func (s *Sandbox) SetAutostopInterval(ctx context.Context, minutes int) error {
	if minutes < 0 {
		return invalidf("auto-stop interval %d is negative", minutes)
	}
	resp, err := s.c.cp.SetAutostopIntervalWithResponse(ctx, s.ID(), float64(minutes), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetAutoArchiveInterval sets the minutes after which a stopped sandbox is
// archived; 0 means the maximum interval.
func (s *Sandbox) SetAutoArchiveInterval(ctx context.Context, minutes int) error {
	if minutes < 0 {
		return invalidf("auto-archive interval %d is negative", minutes)
	}
	resp, err := s.c.cp.SetAutoArchiveIntervalWithResponse(ctx, s.ID(), float64(minutes), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetAutoDeleteInterval sets the minutes after which a stopped sandbox is
// deleted: 0 deletes it as soon as it stops, and a negative value disables
// auto-delete.
func (s *Sandbox) SetAutoDeleteInterval(ctx context.Context, minutes int) error {
	if minutes < 0 {
		minutes = -1
	}
	resp, err := s.c.cp.SetAutoDeleteIntervalWithResponse(ctx, s.ID(), float64(minutes), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetAutoPauseInterval sets the minutes of inactivity after which the
// sandbox pauses; 0 disables auto-pause.
func (s *Sandbox) SetAutoPauseInterval(ctx context.Context, minutes int) error {
	if minutes < 0 {
		return invalidf("auto-pause interval %d is negative", minutes)
	}
	resp, err := s.c.cp.SetAutoPauseIntervalWithResponse(ctx, s.ID(), float64(minutes), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetTTL sets the sandbox's maximum lifetime in minutes, counted from its
// creation; 0 disables it (where the organization allows).
func (s *Sandbox) SetTTL(ctx context.Context, minutes int) error {
	if minutes < 0 {
		return invalidf("TTL %d is negative", minutes)
	}
	resp, err := s.c.cp.SetTTLWithResponse(ctx, s.ID(), float64(minutes), nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetLabels replaces the sandbox's labels with labels (nil clears them).
func (s *Sandbox) SetLabels(ctx context.Context, labels map[string]string) error {
	if err := validateLabels(labels); err != nil {
		return err
	}
	body := controlplane.SandboxLabels{Labels: cloneStringMap(labels)}
	resp, err := s.c.cp.ReplaceLabelsWithResponse(ctx, s.ID(), nil, body)
	if err != nil {
		return wrapErr(ctx, err)
	}
	got := body.Labels
	if resp.JSON200 != nil {
		got = cloneStringMap(resp.JSON200.Labels)
	}
	s.update(func(d *sandboxData) { d.labels = got })
	return nil
}

// SetPublic makes the sandbox's previews reachable without a token (true)
// or only with one (false).
func (s *Sandbox) SetPublic(ctx context.Context, public bool) error {
	resp, err := s.c.cp.UpdatePublicStatusWithResponse(ctx, s.ID(), public, nil)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// UpdateNetworkSettings changes the sandbox's network policy.
func (s *Sandbox) UpdateNetworkSettings(ctx context.Context, ns NetworkSettings) error {
	body := controlplane.UpdateSandboxNetworkSettings{NetworkBlockAll: toPtr(ns.NetworkBlockAll)}
	if ns.NetworkAllowList != nil {
		v, err := joinList("network allow list", ns.NetworkAllowList)
		if err != nil {
			return err
		}
		body.NetworkAllowList = &v
	}
	if ns.DomainAllowList != nil {
		v, err := joinList("domain allow list", ns.DomainAllowList)
		if err != nil {
			return err
		}
		body.DomainAllowList = &v
	}
	resp, err := s.c.cp.UpdateNetworkSettingsWithResponse(ctx, s.ID(), nil, body)
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// SetSecrets replaces the secrets mounted in the sandbox. secrets maps an
// environment variable name to the name of an organization secret; an
// empty map detaches every secret. Inside the sandbox the variable holds a
// placeholder that the network egress replaces with the secret's value.
func (s *Sandbox) SetSecrets(ctx context.Context, secrets map[string]string) error {
	list, err := secretsBody(secrets)
	if err != nil {
		return err
	}
	if list == nil {
		list = []map[string]string{}
	}
	resp, err := s.c.cp.UpdateSandboxSecretsWithResponse(ctx, s.ID(), nil, controlplane.UpdateSandboxSecrets{Secrets: list})
	if err != nil {
		return wrapErr(ctx, err)
	}
	return s.applyOrRefresh(ctx, resp.JSON200)
}

// ForksOptions configures [Sandbox.Forks].
type ForksOptions struct {
	// IncludeDestroyed also lists forks that have been destroyed.
	IncludeDestroyed bool
}

// Parent returns the sandbox this one was forked from. A sandbox that is
// not a fork gives an error matching ErrNotFound.
func (s *Sandbox) Parent(ctx context.Context) (*Sandbox, error) {
	resp, err := s.c.cp.GetSandboxParentWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to /parent: %s", resp.Status())
	}
	return newSandbox(s.c, sandboxFromAPI(resp.JSON200)), nil
}

// Ancestors returns the chain of sandboxes this one was forked from,
// oldest first (empty if it is not a fork).
func (s *Sandbox) Ancestors(ctx context.Context) ([]*Sandbox, error) {
	resp, err := s.c.cp.GetSandboxAncestorsWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to /ancestors: %s", resp.Status())
	}
	return s.c.sandboxes(*resp.JSON200), nil
}

// Forks returns the sandboxes forked from this one.
func (s *Sandbox) Forks(ctx context.Context, opts ForksOptions) ([]*Sandbox, error) {
	var params *controlplane.GetSandboxForksParams
	if opts.IncludeDestroyed {
		params = &controlplane.GetSandboxForksParams{IncludeDestroyed: toPtr(true)}
	}
	resp, err := s.c.cp.GetSandboxForksWithResponse(ctx, s.ID(), params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to /forks: %s", resp.Status())
	}
	return s.c.sandboxes(*resp.JSON200), nil
}

func (c *Client) sandboxes(dtos []controlplane.Sandbox) []*Sandbox {
	out := make([]*Sandbox, len(dtos))
	for i := range dtos {
		out[i] = newSandbox(c, sandboxFromAPI(&dtos[i]))
	}
	return out
}

// Start starts sb; see [Sandbox.Start].
func (c *Client) Start(ctx context.Context, sb *Sandbox) error { return sb.Start(ctx) }

// Stop stops sb; see [Sandbox.Stop].
func (c *Client) Stop(ctx context.Context, sb *Sandbox, opts StopOptions) error {
	return sb.Stop(ctx, opts)
}

// Delete deletes sb; see [Sandbox.Delete].
func (c *Client) Delete(ctx context.Context, sb *Sandbox) error { return sb.Delete(ctx) }

var (
	envNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	secretNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)
)

// secretsBody turns env var -> secret name into the wire's list of
// one-key objects, sorted by variable name. nil in, nil out.
func secretsBody(secrets map[string]string) ([]map[string]string, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	list := make([]map[string]string, 0, len(secrets))
	for _, env := range slices.Sorted(maps.Keys(secrets)) {
		name := secrets[env]
		if !envNameRE.MatchString(env) {
			return nil, invalidf("secrets: %q is not a valid environment variable name", env)
		}
		if !secretNameRE.MatchString(name) {
			return nil, invalidf("secrets: %q (for %s) is not a valid secret name", name, env)
		}
		list = append(list, map[string]string{env: name})
	}
	return list, nil
}

// validateLabels rejects empty label keys.
func validateLabels(labels map[string]string) error {
	if _, ok := labels[""]; ok {
		return invalidf("labels: empty key")
	}
	return nil
}

// joinList joins a list for a comma-separated wire field, rejecting empty
// items and items that contain a comma.
func joinList(what string, items []string) (string, error) {
	for _, it := range items {
		if strings.TrimSpace(it) == "" || strings.Contains(it, ",") {
			return "", invalidf("%s: invalid item %q", what, it)
		}
	}
	return strings.Join(items, ","), nil
}

// validateName rejects sandbox names that cannot travel in a URL path.
// Empty is allowed: the server then uses the sandbox's ID.
func validateName(name string) error {
	if len(name) > 255 {
		return invalidf("sandbox name is longer than 255 bytes")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("/?#%\\", r) {
			return invalidf("sandbox name %q contains %s", name, describeRune(r))
		}
	}
	return nil
}

func describeRune(r rune) string {
	if r <= ' ' || r == 0x7f {
		return fmt.Sprintf("the control character or space %U", r)
	}
	return fmt.Sprintf("%q", r)
}
