package daytona

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/imagebuilder"
)

// SandboxSource is what a sandbox is created from: a [FromSnapshot] or a
// [FromImage] value (or a pointer to one). The interface is sealed, so no
// other type can be passed to [Client.Create].
type SandboxSource interface {
	// createBody validates the source and builds the request body;
	// target is the client's default region.
	createBody(target string) (controlplane.CreateSandbox, error)
}

// Language is the language a sandbox's code-run endpoint interprets.
type Language string

// The languages of the code toolbox.
const (
	LanguagePython     Language = "python"
	LanguageJavaScript Language = "javascript"
	LanguageTypeScript Language = "typescript"
)

// languageLabel is the label the control plane reads the language from.
const languageLabel = "code-toolbox-language"

// Disabled, as an interval or TTL of [FromSnapshot] or [FromImage], turns
// that automatic action off. For AutoArchiveInterval, which cannot be
// turned off, it asks for the longest interval the server allows.
const Disabled time.Duration = -1

// FromSnapshot creates a sandbox from a snapshot. The zero value uses the
// server's default snapshot and settings.
//
// Intervals and the TTL are rounded up to whole minutes; zero means the
// server's default and [Disabled] turns the action off. A snapshot fixes
// the sandbox's resources, so there is no Resources field.
type FromSnapshot struct {
	// Snapshot is the snapshot's ID or name; empty means the default.
	Snapshot string

	// Name is the sandbox's name; empty means the server uses the ID.
	Name string
	// User is the OS user the sandbox's processes run as.
	User string
	// Language selects the code-run interpreter (default python).
	Language Language
	// Env sets environment variables.
	Env map[string]string
	// Labels are free-form key/value labels.
	Labels map[string]string
	// Public makes previews reachable without a token.
	Public bool
	// AutoStopInterval stops the sandbox after this much inactivity.
	AutoStopInterval time.Duration
	// AutoPauseInterval pauses the sandbox after this much inactivity (only
	// for classes that can pause; not together with AutoStopInterval).
	AutoPauseInterval time.Duration
	// AutoArchiveInterval archives a sandbox that has been stopped this long.
	AutoArchiveInterval time.Duration
	// AutoDeleteInterval deletes a sandbox that has been stopped this long.
	AutoDeleteInterval time.Duration
	// Ephemeral deletes the sandbox as soon as it stops (an auto-delete
	// interval of zero). It excludes AutoDeleteInterval and AutoPauseInterval.
	Ephemeral bool
	// TTL destroys the sandbox this long after its creation, whatever its state.
	TTL time.Duration
	// Volumes are mounted into the sandbox.
	Volumes []VolumeMount
	// NetworkBlockAll blocks all network access.
	NetworkBlockAll bool
	// NetworkAllowList lists the CIDRs the sandbox may reach.
	NetworkAllowList []string
	// DomainAllowList lists the domains the sandbox may reach.
	DomainAllowList []string
	// OutboundProxyURL routes the sandbox's HTTP(S) traffic through an
	// http or https proxy (it may carry credentials).
	OutboundProxyURL string
	// OtelEndpointOverride sends the sandbox's telemetry to this collector.
	OtelEndpointOverride string
	// Target is the region; empty means the client's Config.Target.
	Target string
	// Secrets mounts organization secrets: environment variable name ->
	// secret name.
	Secrets map[string]string
	// Spot allows the server to evict this GPU sandbox to free capacity.
	Spot bool
	// LinkedSandbox co-locates the sandbox with this (ephemeral) sandbox,
	// by ID or name. It requires Ephemeral.
	LinkedSandbox string
}

// FromImage creates a sandbox from a container image, which the server
// builds into a snapshot first (the sandbox starts in pending_build; see
// [CreateOptions.OnBuildLogs]). The fields shared with [FromSnapshot]
// mean the same.
//
// Exactly one of Image (a registry image name such as "python:3.12") and
// Build (a declarative image from package imagebuilder) is set:
//
//	daytona.FromImage{Build: imagebuilder.DebianSlim("3.12").PipInstall("numpy")}
//
// Build's local contexts (AddLocalFile, AddLocalDir, ...) are uploaded to
// the organization's object storage before the sandbox is created (see
// [ObjectStorageService]), and the Dockerfile is sent with their hashes.
type FromImage struct {
	// Image is the registry image, e.g. "python:3.12". It is sent as the
	// one-line Dockerfile "FROM <Image>".
	Image string
	// Build is a declarative image to build. Its errors (a missing local
	// file, an unsupported Python version, ...) are reported by Create as
	// errors matching ErrValidation that wrap the imagebuilder error.
	Build imagebuilder.Image
	// Resources are the sandbox's CPU, GPU, memory and disk; zero fields
	// mean the defaults.
	Resources Resources

	// Name is the sandbox's name; empty means the server uses the ID.
	Name string
	// User is the OS user the sandbox's processes run as.
	User string
	// Language selects the code-run interpreter (default python).
	Language Language
	// Env sets environment variables.
	Env map[string]string
	// Labels are free-form key/value labels.
	Labels map[string]string
	// Public makes previews reachable without a token.
	Public bool
	// AutoStopInterval stops the sandbox after this much inactivity.
	AutoStopInterval time.Duration
	// AutoPauseInterval pauses the sandbox after this much inactivity.
	AutoPauseInterval time.Duration
	// AutoArchiveInterval archives a sandbox that has been stopped this long.
	AutoArchiveInterval time.Duration
	// AutoDeleteInterval deletes a sandbox that has been stopped this long.
	AutoDeleteInterval time.Duration
	// Ephemeral deletes the sandbox as soon as it stops.
	Ephemeral bool
	// TTL destroys the sandbox this long after its creation.
	TTL time.Duration
	// Volumes are mounted into the sandbox.
	Volumes []VolumeMount
	// NetworkBlockAll blocks all network access.
	NetworkBlockAll bool
	// NetworkAllowList lists the CIDRs the sandbox may reach.
	NetworkAllowList []string
	// DomainAllowList lists the domains the sandbox may reach.
	DomainAllowList []string
	// OutboundProxyURL routes the sandbox's HTTP(S) traffic through a proxy.
	OutboundProxyURL string
	// OtelEndpointOverride sends the sandbox's telemetry to this collector.
	OtelEndpointOverride string
	// Target is the region; empty means the client's Config.Target.
	Target string
	// Secrets mounts organization secrets: env var name -> secret name.
	Secrets map[string]string
	// Spot allows the server to evict this GPU sandbox (needs Resources.GPU).
	Spot bool
	// LinkedSandbox co-locates the sandbox with this (ephemeral) sandbox.
	LinkedSandbox string
}

// CreateOptions configures [Client.Create].
type CreateOptions struct {
	// OnBuildLogs, if set, receives the image build's output while a
	// FromImage sandbox is being built: raw chunks of text (not lines),
	// with trailing whitespace trimmed. It is called from the goroutine
	// that called Create.
	OnBuildLogs func(chunk string)
	// NoWait returns as soon as the server accepted the sandbox, without
	// waiting for it to start (and without build logs).
	NoWait bool
}

// sandboxParams are the fields FromSnapshot and FromImage share.
type sandboxParams struct {
	Name, User                                string
	Language                                  Language
	Env, Labels                               map[string]string
	Public                                    bool
	AutoStop, AutoPause, AutoArchive, AutoDel time.Duration
	Ephemeral                                 bool
	TTL                                       time.Duration
	Volumes                                   []VolumeMount
	NetworkBlockAll                           bool
	NetworkAllowList, DomainAllowList         []string
	OutboundProxyURL, OtelEndpointOverride    string
	Target                                    string
	Secrets                                   map[string]string
	Spot                                      bool
	LinkedSandbox                             string
}

func (f FromSnapshot) createBody(target string) (controlplane.CreateSandbox, error) {
	p := sandboxParams{
		Name: f.Name, User: f.User, Language: f.Language, Env: f.Env, Labels: f.Labels, Public: f.Public,
		AutoStop: f.AutoStopInterval, AutoPause: f.AutoPauseInterval, AutoArchive: f.AutoArchiveInterval,
		AutoDel: f.AutoDeleteInterval, Ephemeral: f.Ephemeral, TTL: f.TTL, Volumes: f.Volumes,
		NetworkBlockAll: f.NetworkBlockAll, NetworkAllowList: f.NetworkAllowList, DomainAllowList: f.DomainAllowList,
		OutboundProxyURL: f.OutboundProxyURL, OtelEndpointOverride: f.OtelEndpointOverride,
		Target: f.Target, Secrets: f.Secrets, Spot: f.Spot, LinkedSandbox: f.LinkedSandbox,
	}
	body, err := p.body(target)
	if err != nil {
		return body, err
	}
	if f.Snapshot != "" {
		if strings.ContainsFunc(f.Snapshot, isControlOrSpace) {
			return body, invalidf("snapshot %q contains whitespace or control characters", f.Snapshot)
		}
		body.Snapshot = &f.Snapshot
	}
	return body, nil
}

func (f FromImage) createBody(target string) (controlplane.CreateSandbox, error) {
	p := sandboxParams{
		Name: f.Name, User: f.User, Language: f.Language, Env: f.Env, Labels: f.Labels, Public: f.Public,
		AutoStop: f.AutoStopInterval, AutoPause: f.AutoPauseInterval, AutoArchive: f.AutoArchiveInterval,
		AutoDel: f.AutoDeleteInterval, Ephemeral: f.Ephemeral, TTL: f.TTL, Volumes: f.Volumes,
		NetworkBlockAll: f.NetworkBlockAll, NetworkAllowList: f.NetworkAllowList, DomainAllowList: f.DomainAllowList,
		OutboundProxyURL: f.OutboundProxyURL, OtelEndpointOverride: f.OtelEndpointOverride,
		Target: f.Target, Secrets: f.Secrets, Spot: f.Spot, LinkedSandbox: f.LinkedSandbox,
	}
	body, err := p.body(target)
	if err != nil {
		return body, err
	}
	switch build := isImageSet(f.Build); {
	case build && f.Image != "":
		return body, invalidf("FromImage: set Image or Build, not both")
	case build:
		dockerfile, _, err := imageBuild(f.Build, nil)
		if err != nil {
			return body, err
		}
		// The context hashes are filled in once the contexts are uploaded.
		body.BuildInfo = &controlplane.CreateBuildInfo{DockerfileContent: dockerfile, ContextHashes: &[]string{}}
	case strings.TrimSpace(f.Image) == "":
		return body, invalidf("FromImage: set Image or Build")
	case strings.ContainsFunc(f.Image, isControlOrSpace):
		return body, invalidf("FromImage: image %q contains whitespace or control characters", f.Image)
	default:
		body.BuildInfo = &controlplane.CreateBuildInfo{DockerfileContent: "FROM " + f.Image + "\n"}
	}

	r := f.Resources
	switch {
	case r.CPU < 0 || r.GPU < 0 || r.Memory < 0 || r.Disk < 0:
		return body, invalidf("resources: negative value (cpu %d, gpu %d, memory %d, disk %d)", r.CPU, r.GPU, r.Memory, r.Disk)
	case len(r.GPUType) > 0 && r.GPU == 0:
		return body, invalidf("resources: GPUType needs GPU > 0")
	case f.Spot && r.GPU == 0:
		return body, invalidf("Spot applies only to GPU sandboxes (Resources.GPU > 0)")
	case f.LinkedSandbox != "" && r.GPU > 0:
		return body, invalidf("a GPU sandbox cannot be linked to another sandbox")
	}
	for _, t := range r.GPUType {
		if t == "" {
			return body, invalidf("resources: empty GPU type")
		}
	}
	if r.CPU > 0 {
		body.CPU = toPtr(r.CPU)
	}
	if r.GPU > 0 {
		body.Gpu = toPtr(r.GPU)
	}
	if len(r.GPUType) > 0 {
		types := make([]controlplane.GpuType, len(r.GPUType))
		for i, t := range r.GPUType {
			types[i] = controlplane.GpuType(t)
		}
		body.GpuType = &types
	}
	if r.Memory > 0 {
		body.Memory = toPtr(r.Memory)
	}
	if r.Disk > 0 {
		body.Disk = toPtr(r.Disk)
	}
	return body, nil
}

// body validates the shared fields and builds the request from them.
func (p sandboxParams) body(defaultTarget string) (controlplane.CreateSandbox, error) {
	var b controlplane.CreateSandbox
	if err := validateName(p.Name); err != nil {
		return b, err
	}
	if p.Name != "" {
		b.Name = toPtr(p.Name)
	}
	if p.User != "" {
		if strings.ContainsFunc(p.User, isControlOrSpace) {
			return b, invalidf("user %q contains whitespace or control characters", p.User)
		}
		b.User = toPtr(p.User)
	}

	// The language travels as a label.
	labels := cloneStringMap(p.Labels)
	if err := validateLabels(labels); err != nil {
		return b, err
	}
	switch p.Language {
	case "":
		if labels[languageLabel] == "" {
			labels[languageLabel] = string(LanguagePython)
		}
	case LanguagePython, LanguageJavaScript, LanguageTypeScript:
		if v, ok := labels[languageLabel]; ok && v != string(p.Language) {
			return b, invalidf("Language %q conflicts with label %s=%q", p.Language, languageLabel, v)
		}
		labels[languageLabel] = string(p.Language)
	default:
		return b, invalidf("unknown language %q (want python, javascript or typescript)", p.Language)
	}
	b.Labels = &labels

	if len(p.Env) > 0 {
		for k := range p.Env {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				return b, invalidf("env: invalid variable name %q", k)
			}
		}
		env := maps.Clone(p.Env)
		b.Env = &env
	}
	if p.Public {
		b.Public = toPtr(true)
	}

	// Intervals. Zero is the server default, so it is not sent.
	var err error
	if b.AutoStopInterval, err = intervalMinutes("AutoStopInterval", p.AutoStop, 0); err != nil {
		return b, err
	}
	if b.AutoPauseInterval, err = intervalMinutes("AutoPauseInterval", p.AutoPause, 0); err != nil {
		return b, err
	}
	if b.AutoArchiveInterval, err = intervalMinutes("AutoArchiveInterval", p.AutoArchive, 0); err != nil {
		return b, err
	}
	if b.AutoDeleteInterval, err = intervalMinutes("AutoDeleteInterval", p.AutoDel, -1); err != nil {
		return b, err
	}
	if b.TTLMinutes, err = intervalMinutes("TTL", p.TTL, 0); err != nil {
		return b, err
	}
	switch {
	case p.AutoStop > 0 && p.AutoPause > 0:
		return b, invalidf("AutoStopInterval and AutoPauseInterval cannot both be set")
	case p.Ephemeral && p.AutoDel != 0:
		return b, invalidf("Ephemeral and AutoDeleteInterval cannot both be set")
	case p.Ephemeral && p.AutoPause > 0:
		return b, invalidf("an ephemeral sandbox cannot auto-pause")
	case p.LinkedSandbox != "" && !p.Ephemeral:
		return b, invalidf("LinkedSandbox requires Ephemeral")
	}
	if p.Ephemeral {
		b.AutoDeleteInterval = toPtr(0)
	}

	if len(p.Volumes) > 0 {
		vols := make([]controlplane.SandboxVolume, 0, len(p.Volumes))
		seen := map[string]bool{}
		for _, v := range p.Volumes {
			switch {
			case strings.TrimSpace(v.VolumeID) == "":
				return b, invalidf("volumes: empty VolumeID")
			case !strings.HasPrefix(v.MountPath, "/"):
				return b, invalidf("volumes: mount path %q is not absolute", v.MountPath)
			case seen[v.MountPath]:
				return b, invalidf("volumes: mount path %q used twice", v.MountPath)
			}
			seen[v.MountPath] = true
			sv := controlplane.SandboxVolume{VolumeID: v.VolumeID, MountPath: v.MountPath}
			if v.Subpath != "" {
				sv.Subpath = toPtr(v.Subpath)
			}
			vols = append(vols, sv)
		}
		b.Volumes = &vols
	}

	if p.NetworkBlockAll {
		b.NetworkBlockAll = toPtr(true)
	}
	if len(p.NetworkAllowList) > 0 {
		v, err := joinList("network allow list", p.NetworkAllowList)
		if err != nil {
			return b, err
		}
		b.NetworkAllowList = &v
	}
	if len(p.DomainAllowList) > 0 {
		v, err := joinList("domain allow list", p.DomainAllowList)
		if err != nil {
			return b, err
		}
		b.DomainAllowList = &v
	}
	if p.OutboundProxyURL != "" {
		u, err := url.Parse(p.OutboundProxyURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL may hold credentials: never echo it.
			return b, invalidf("OutboundProxyURL is not an http or https URL")
		}
		b.OutboundProxyURL = toPtr(p.OutboundProxyURL)
	}
	if p.OtelEndpointOverride != "" {
		u, err := url.Parse(p.OtelEndpointOverride)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return b, invalidf("OtelEndpointOverride is not an absolute URL")
		}
		b.OtelEndpointOverride = toPtr(p.OtelEndpointOverride)
	}

	target := p.Target
	if target == "" {
		target = defaultTarget
	}
	if target != "" {
		b.Target = toPtr(target)
	}
	secrets, err := secretsBody(p.Secrets)
	if err != nil {
		return b, err
	}
	if secrets != nil {
		b.Secrets = &secrets
	}
	if p.Spot {
		b.Spot = toPtr(true)
	}
	if p.LinkedSandbox != "" {
		if err := validateName(p.LinkedSandbox); err != nil {
			return b, invalidf("LinkedSandbox: %v", err)
		}
		b.LinkedSandbox = toPtr(p.LinkedSandbox)
	}
	return b, nil
}

// intervalMinutes converts an interval to whole minutes, rounding up. Zero
// is "unset" (nil); Disabled becomes off.
func intervalMinutes(field string, d time.Duration, off int) (*int, error) {
	switch {
	case d == 0:
		return nil, nil
	case d == Disabled:
		return toPtr(off), nil
	case d < 0:
		return nil, invalidf("%s is negative (%v); use daytona.Disabled to turn it off", field, d)
	}
	return toPtr(int((d + time.Minute - 1) / time.Minute)), nil
}

func isControlOrSpace(r rune) bool { return r <= ' ' || r == 0x7f }

// requestBody validates src before any network call.
func requestBody(src SandboxSource, target string) (controlplane.CreateSandbox, error) {
	switch v := src.(type) {
	case nil:
		return controlplane.CreateSandbox{}, invalidf("Create needs a FromSnapshot or FromImage source")
	case *FromSnapshot:
		if v == nil {
			return controlplane.CreateSandbox{}, invalidf("Create: nil *FromSnapshot")
		}
	case *FromImage:
		if v == nil {
			return controlplane.CreateSandbox{}, invalidf("Create: nil *FromImage")
		}
	}
	return src.createBody(target)
}

// Create creates a sandbox and, unless opts.NoWait is set, waits until it
// is started. Invalid input is rejected with an error matching
// ErrValidation before any request is sent. ctx bounds the request, the
// build-log stream and the wait together.
//
// If the sandbox was created but the wait fails (for instance it ends in
// build_failed, or ctx expires), Create returns the sandbox together with
// the error, so the caller can inspect or delete it.
func (c *Client) Create(ctx context.Context, src SandboxSource, opts CreateOptions) (*Sandbox, error) {
	body, err := requestBody(src, c.cfg.Target)
	if err != nil {
		return nil, err
	}
	if err := c.uploadSourceContexts(ctx, src, &body); err != nil {
		return nil, err
	}
	return c.create(ctx, body, opts)
}

// uploadSourceContexts uploads the build contexts of a FromImage with a
// Build image and puts their hashes into body. Other sources have none.
func (c *Client) uploadSourceContexts(ctx context.Context, src SandboxSource, body *controlplane.CreateSandbox) error {
	var img imagebuilder.Image
	switch v := src.(type) {
	case FromImage:
		img = v.Build
	case *FromImage:
		img = v.Build
	}
	if !isImageSet(img) || body.BuildInfo == nil {
		return nil
	}
	contexts, err := img.Contexts()
	if err != nil {
		return newSDKError(ErrValidation, err, "invalid image")
	}
	hashes, err := c.uploadContexts(ctx, contexts)
	if err != nil {
		return err
	}
	body.BuildInfo.ContextHashes = &hashes
	return nil
}

func (c *Client) create(ctx context.Context, body controlplane.CreateSandbox, opts CreateOptions) (*Sandbox, error) {
	resp, err := c.cp.CreateSandboxWithResponse(ctx, nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to POST /sandbox: %s", resp.Status())
	}
	sb := newSandbox(c, sandboxFromAPI(resp.JSON200))
	if opts.NoWait {
		return sb, nil
	}
	if st := sb.State(); opts.OnBuildLogs != nil && (st == StatePendingBuild || st == StateBuildingSnapshot) {
		if err := sb.followBuildLogs(ctx, opts.OnBuildLogs, buildLogIdle); err != nil {
			return sb, err
		}
	}
	return sb, sb.wait(ctx, defaultBackoff, stateWait{targets: []State{StateStarted}})
}

// GetOrCreate returns the sandbox called name, ready to use: an existing
// one is started if it is stopped, archived or paused, and waited for if
// it is in transition; if none exists (or it was destroyed), one is
// created from src with that name. src's own Name must be empty or equal
// to name. opts applies when a sandbox is created.
//
// As with Create, a sandbox that exists but fails to become ready is
// returned together with the error.
func (c *Client) GetOrCreate(ctx context.Context, name string, src SandboxSource, opts CreateOptions) (*Sandbox, error) {
	if name == "" {
		return nil, invalidf("GetOrCreate needs a name")
	}
	if err := validateName(name); err != nil {
		return nil, err
	}
	body, err := requestBody(src, c.cfg.Target)
	if err != nil {
		return nil, err
	}
	if body.Name != nil && *body.Name != name {
		return nil, invalidf("GetOrCreate: source Name %q differs from name %q", *body.Name, name)
	}
	body.Name = &name

	sb, err := c.Get(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	default:
		ok, err := sb.makeReady(ctx)
		if ok || err != nil {
			return sb, err
		}
		// It was destroyed: create a new one below.
	}

	if err := c.uploadSourceContexts(ctx, src, &body); err != nil {
		return nil, err
	}
	sb, err = c.create(ctx, body, opts)
	if sb == nil && errors.Is(err, ErrConflict) {
		// Someone else created it in the meantime.
		if sb, err = c.Get(ctx, name); err != nil {
			return nil, err
		}
		if _, err := sb.makeReady(ctx); err != nil {
			return sb, err
		}
		return sb, nil
	}
	return sb, err
}

// settled are the states a sandbox stays in until asked to move.
var settled = []State{StateStarted, StateStopped, StateArchived, StatePaused, StateDestroyed}

// makeReady brings an existing sandbox to started. It reports false (and
// no error) when the sandbox turns out to be destroyed.
func (s *Sandbox) makeReady(ctx context.Context) (bool, error) {
	st := s.State()
	if st.Failed() {
		d := s.data()
		return false, failedState(&FailedStateError{Resource: "sandbox", ID: d.id, State: string(st), Reason: d.errorReason, Recoverable: d.recoverable})
	}
	if !slices.Contains(settled, st) {
		if err := s.wait(ctx, defaultBackoff, stateWait{targets: settled, gone: true}); err != nil {
			return false, err
		}
		st = s.State()
	}
	switch st {
	case StateStarted:
		return true, nil
	case StateDestroyed:
		return false, nil
	}
	return true, s.Start(ctx)
}
