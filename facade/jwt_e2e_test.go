package daytona_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// TestE2EJWT: a client authenticated by a user token and an organization
// ID works end to end (control plane, toolbox, and the push channel, which
// joins the organization's events), and the emulator refuses a token
// without its organization (ErrForbidden) or one that has expired
// (ErrUnauthorized).
func TestE2EJWT(t *testing.T) {
	t.Parallel()
	srv := daytonatest.NewServer(t)
	newClient := func(token, org string) *daytona.Client {
		c, err := daytona.New(daytona.Config{APIURL: srv.URL, JWTToken: token, OrganizationID: org, Retry: daytona.RetryPolicy{MaxAttempts: 1}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	ctx := tbContext(t, 2*time.Minute)

	c := newClient(srv.IssueJWT(time.Hour), srv.OrganizationID)
	sb, err := c.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
	require.NoError(t, err)
	res, err := sb.Process.Exec(ctx, "echo jwt", daytona.ExecOptions{})
	require.NoError(t, err)
	assert.Equal(t, "jwt\n", res.Result)
	require.Eventually(t, func() bool { return srv.EventSockets() == 1 }, 10*time.Second, 5*time.Millisecond,
		"the wait's push channel joined the organization's room with the JWT")
	before := srv.Requests(http.MethodGet, "/sandbox/"+sb.ID())
	require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
	assert.Equal(t, daytona.StateStopped, sb.State())
	t.Logf("GET /sandbox/{id} during the stop's wait: %d", srv.Requests(http.MethodGet, "/sandbox/"+sb.ID())-before)

	_, err = newClient(srv.IssueJWT(time.Hour), "another-org").Get(ctx, sb.ID())
	require.ErrorIs(t, err, daytona.ErrForbidden)

	expired := newClient(srv.IssueJWT(time.Millisecond), srv.OrganizationID)
	time.Sleep(1100 * time.Millisecond) // JWT expiry has a one-second resolution
	_, err = expired.Get(ctx, sb.ID())
	require.ErrorIs(t, err, daytona.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "eyJ", "no token in the error")
}
