package daytona

import (
	"context"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// Secret is an organization secret as the control plane reports it. The
// value is write-only: it is never returned. A sandbox that mounts the
// secret (FromSnapshot.Secrets, [Sandbox.SetSecrets]) sees Placeholder in
// its environment variable; the real value replaces it only in requests
// to one of Hosts.
type Secret struct {
	// ID and Name identify the secret.
	ID, Name string
	// Description is free text.
	Description string
	// Placeholder is the opaque token ("dtn_secret_...") sandboxes see.
	Placeholder string
	// Hosts are the hosts the value may be sent to ("api.example.com" or
	// "*.example.com").
	Hosts []string
	// CreatedAt and UpdatedAt are the secret's timestamps.
	CreatedAt, UpdatedAt time.Time
}

func secretFromAPI(d *controlplane.Secret) *Secret {
	return &Secret{
		ID:          d.ID,
		Name:        d.Name,
		Description: fromPtr(d.Description),
		Placeholder: d.Placeholder,
		Hosts:       slices.Clone(d.Hosts),
		CreatedAt:   d.CreatedAt,
		UpdatedAt:   d.UpdatedAt,
	}
}

// SecretService manages the organization's secrets. Get it from
// [Client.Secrets].
type SecretService struct{ c *Client }

// SecretSort is a field secrets can be listed by.
type SecretSort string

// The sort fields of the secret list.
const (
	SecretSortName      SecretSort = "name"
	SecretSortCreatedAt SecretSort = "createdAt"
	SecretSortUpdatedAt SecretSort = "updatedAt"
)

// SecretListOptions filters [SecretService.List]. The zero value lists
// every secret in the server's order.
type SecretListOptions struct {
	// Name keeps secrets whose name contains it.
	Name string
	// Sort and Order choose the ordering; empty means the server's.
	Sort  SecretSort
	Order SortOrder // Order is the direction: SortAscending or SortDescending.
	// PageSize is the number of secrets per request (1-200; 0 means the
	// server's default, 100).
	PageSize int
}

// CreateSecretParams describes a new secret.
type CreateSecretParams struct {
	// Name is the secret's name: a letter or underscore, then letters,
	// digits, "_" and "-" (required, unique).
	Name string
	// Value is the secret (required). It never appears in an error.
	Value string
	// Description is optional free text.
	Description string
	// Hosts are the hosts the value may be sent to: host names, or "*."
	// wildcards, without scheme, port or path.
	Hosts []string
}

// UpdateSecretParams changes a secret; nil fields stay as they are.
type UpdateSecretParams struct {
	// Value, if set, replaces the value.
	Value *string
	// Description, if set, replaces the description.
	Description *string
	// Hosts, if not nil, replaces the hosts (an empty, non-nil slice
	// clears them).
	Hosts []string
}

func validateHosts(hosts []string) error {
	for _, h := range hosts {
		if h == "" || strings.ContainsAny(h, ":/?#@ \t") {
			return invalidf("secret host %q is not a host name or a *. wildcard", h)
		}
	}
	return nil
}

func validateSecretID(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidf("secret ID is empty")
	}
	if strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || strings.ContainsRune("/?#%\\", r) }) {
		return invalidf("secret ID %q is not valid", id)
	}
	return nil
}

// List iterates over the secrets matching opts, fetching pages lazily as
// the loop advances; breaking out of the loop stops fetching. An error is
// yielded once, as the last element.
func (s *SecretService) List(ctx context.Context, opts SecretListOptions) iter.Seq2[*Secret, error] {
	return func(yield func(*Secret, error) bool) {
		p := &controlplane.ListSecretsPaginatedParams{}
		if opts.PageSize < 0 || opts.PageSize > 200 {
			yield(nil, invalidf("secret list: PageSize %d is outside 1-200", opts.PageSize))
			return
		}
		if opts.PageSize > 0 {
			p.Limit = toPtr(float64(opts.PageSize))
		}
		if opts.Name != "" {
			p.Name = toPtr(opts.Name)
		}
		switch opts.Sort {
		case "":
		case SecretSortName, SecretSortCreatedAt, SecretSortUpdatedAt:
			p.Sort = toPtr(controlplane.ListSecretsPaginatedParamsSort(opts.Sort))
		default:
			yield(nil, invalidf("secret list: unknown sort field %q", opts.Sort))
			return
		}
		switch opts.Order {
		case "":
		case SortAscending, SortDescending:
			p.Order = toPtr(controlplane.ListSecretsPaginatedParamsOrder(opts.Order))
		default:
			yield(nil, invalidf("secret list: unknown sort order %q", opts.Order))
			return
		}
		for {
			resp, err := s.c.cp.ListSecretsPaginatedWithResponse(ctx, p)
			if err != nil {
				yield(nil, wrapErr(ctx, err))
				return
			}
			if resp.JSON200 == nil {
				yield(nil, newSDKError(ErrServer, nil, "unexpected answer to GET /secret/paginated: %s", resp.Status()))
				return
			}
			for i := range resp.JSON200.Items {
				if !yield(secretFromAPI(&resp.JSON200.Items[i]), nil) {
					return
				}
			}
			next := fromPtr(resp.JSON200.NextCursor)
			if next == "" {
				return
			}
			if p.Cursor != nil && *p.Cursor == next {
				yield(nil, newSDKError(ErrServer, nil, "the server repeated secret list cursor %q", next))
				return
			}
			p.Cursor = toPtr(next)
		}
	}
}

// Get returns the secret with this ID; a missing one gives an error
// matching ErrNotFound.
func (s *SecretService) Get(ctx context.Context, id string) (*Secret, error) {
	if err := validateSecretID(id); err != nil {
		return nil, err
	}
	resp, err := s.c.cp.GetSecretWithResponse(ctx, id, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /secret/{id}: %s", resp.Status())
	}
	return secretFromAPI(resp.JSON200), nil
}

// Create creates a secret. A taken name gives an error matching
// ErrConflict; an invalid name, an empty value or a bad host an error
// matching ErrValidation before any network call.
func (s *SecretService) Create(ctx context.Context, p CreateSecretParams) (*Secret, error) {
	switch {
	case !secretNameRE.MatchString(p.Name):
		return nil, invalidf("secret name %q: use a letter or underscore, then letters, digits, _ and -", p.Name)
	case p.Value == "":
		return nil, invalidf("secret %s: the value is empty", p.Name)
	}
	if err := validateHosts(p.Hosts); err != nil {
		return nil, err
	}
	body := controlplane.CreateSecret{Name: p.Name, Value: p.Value}
	if p.Description != "" {
		body.Description = toPtr(p.Description)
	}
	if p.Hosts != nil {
		body.Hosts = toPtr(slices.Clone(p.Hosts))
	}
	resp, err := s.c.cp.CreateSecretWithResponse(ctx, nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON201 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to POST /secret: %s", resp.Status())
	}
	return secretFromAPI(resp.JSON201), nil
}

// Update changes the secret with this ID and returns it.
func (s *SecretService) Update(ctx context.Context, id string, p UpdateSecretParams) (*Secret, error) {
	if err := validateSecretID(id); err != nil {
		return nil, err
	}
	if p.Value != nil && *p.Value == "" {
		return nil, invalidf("secret %s: the new value is empty", id)
	}
	if err := validateHosts(p.Hosts); err != nil {
		return nil, err
	}
	body := controlplane.UpdateSecret{Value: p.Value, Description: p.Description}
	if p.Hosts != nil {
		body.Hosts = toPtr(slices.Clone(p.Hosts))
	}
	resp, err := s.c.cp.UpdateSecretWithResponse(ctx, id, nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to PATCH /secret/{id}: %s", resp.Status())
	}
	return secretFromAPI(resp.JSON200), nil
}

// Delete deletes the secret with this ID.
func (s *SecretService) Delete(ctx context.Context, id string) error {
	if err := validateSecretID(id); err != nil {
		return err
	}
	_, err := s.c.cp.DeleteSecretWithResponse(ctx, id, nil)
	return wrapErr(ctx, err)
}
