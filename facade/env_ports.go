package daytona

import (
	"context"
	"strings"

	"github.com/daytona-go/daytona/api/toolbox"
)

// EnvUpdate changes the environment of the sandbox's toolbox daemon, which
// every process it starts afterwards (exec, code run, sessions, PTYs)
// inherits. Unset and UnsetValuePrefix apply before Set.
type EnvUpdate struct {
	Set              map[string]string // variables to set, name to value
	Unset            []string          // variable names to remove
	UnsetValuePrefix string            // removes every variable whose value has this prefix and whose name is not in Set
}

// UpdateEnv changes the environment that later processes in the sandbox
// inherit (POST /env, toolbox v0.205.1). Names must be non-empty and
// contain no "=" or NUL.
func (s *Sandbox) UpdateEnv(ctx context.Context, u EnvUpdate) error {
	for name := range u.Set {
		if err := checkEnvName(name); err != nil {
			return err
		}
	}
	for _, name := range u.Unset {
		if err := checkEnvName(name); err != nil {
			return err
		}
	}
	if len(u.Set) == 0 && len(u.Unset) == 0 && u.UnsetValuePrefix == "" {
		return invalidf("UpdateEnv: nothing to change")
	}
	body := toolbox.UpdateEnvRequest{UnsetValuePrefix: nonZero(u.UnsetValuePrefix)}
	if len(u.Set) > 0 {
		body.Set = &u.Set
	}
	if len(u.Unset) > 0 {
		body.Unset = &u.Unset
	}
	return s.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.UpdateEnvWithResponse(ctx, body)
		return err
	})
}

func checkEnvName(name string) error {
	if name == "" || strings.ContainsAny(name, "=\x00") {
		return invalidf("UpdateEnv: invalid variable name %q", name)
	}
	return nil
}

// Ports returns the TCP ports listening inside the sandbox (the toolbox's
// own among them).
func (s *Sandbox) Ports(ctx context.Context) ([]int, error) {
	tb, err := s.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetPortsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to /port: %s", resp.Status())
	}
	if resp.JSON200.Ports == nil {
		return []int{}, nil
	}
	return *resp.JSON200.Ports, nil
}

// IsPortInUse reports whether something listens on port inside the
// sandbox. The toolbox answers only for ports 3000 to 9999 (the range
// preview links serve); others are refused before any request.
func (s *Sandbox) IsPortInUse(ctx context.Context, port int) (bool, error) {
	if port < 3000 || port > 9999 {
		return false, invalidf("IsPortInUse: port %d is outside 3000-9999", port)
	}
	tb, err := s.toolboxCall(ctx)
	if err != nil {
		return false, err
	}
	resp, err := tb.IsPortInUseWithResponse(ctx, port)
	if err != nil {
		return false, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil || resp.JSON200.IsInUse == nil {
		return false, newSDKError(ErrServer, nil, "unexpected answer to /port/%d/in-use: %s", port, resp.Status())
	}
	return *resp.JSON200.IsInUse, nil
}
