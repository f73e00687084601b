package daytonatest

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/internal/socketio"
)

// signed signs claims with key and method, to make tokens IssueJWT never
// would.
func signed(t *testing.T, method jwt.SigningMethod, key any, claims jwt.RegisteredClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return token
}

// TestJWTAuth: a JWT of the server's passes with the organization header;
// without it or with another organization it is 403; a token that is not
// the server's, altered, expired or unsigned is 401.
func TestJWTAuth(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	other := NewServer(t)
	c := client(t, srv)
	sb := create(t, c, controlplane.CreateSandbox{})
	waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
	good := srv.IssueJWT(time.Minute)
	past := time.Now().Add(-time.Minute)
	expired := signed(t, jwt.SigningMethodHS256, srv.jwtKey, jwt.RegisteredClaims{Issuer: jwtIssuer, ExpiresAt: jwt.NewNumericDate(past)})
	noExpiry := signed(t, jwt.SigningMethodHS256, srv.jwtKey, jwt.RegisteredClaims{Issuer: jwtIssuer})
	unsigned := signed(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.RegisteredClaims{Issuer: jwtIssuer, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})
	altered := good[:len(good)-2] + map[bool]string{true: "AA", false: "BB"}[good[len(good)-2:] != "AA"]

	tests := []struct {
		name, token, org string
		want             int
	}{
		{"API key", srv.APIKey, "", http.StatusOK},
		{"JWT and organization", good, srv.OrganizationID, http.StatusOK},
		{"JWT without organization", good, "", http.StatusForbidden},
		{"JWT with another organization", good, "another-org", http.StatusForbidden},
		{"another server's JWT", other.IssueJWT(time.Minute), srv.OrganizationID, http.StatusUnauthorized},
		{"expired JWT", expired, srv.OrganizationID, http.StatusUnauthorized},
		{"JWT without expiry", noExpiry, srv.OrganizationID, http.StatusUnauthorized},
		{"unsigned JWT", unsigned, srv.OrganizationID, http.StatusUnauthorized},
		{"altered JWT", altered, srv.OrganizationID, http.StatusUnauthorized},
	}
	hc := rawClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/sandbox/" + sb.ID, "/toolbox/" + sb.ID + "/files?path=."} {
				req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+tt.token)
				if tt.org != "" {
					req.Header.Set("X-Daytona-Organization-ID", tt.org)
				}
				resp, err := hc.Do(req)
				require.NoError(t, err)
				_ = resp.Body.Close()
				assert.Equal(t, tt.want, resp.StatusCode, path)
			}
		})
	}
}

// TestJWTEvents: a JWT socket joins the organization's room only when its
// handshake names the organization (quirk 44); other tokens are refused.
func TestJWTEvents(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	outsider := dialEvents(t, srv, eioQuery)
	require.Equal(t, socketio.Connect, outsider.connect(srv.IssueJWT(time.Minute)).SocketType, "accepted")
	member := dialEvents(t, srv, eioQuery+"&organizationId="+srv.OrganizationID)
	require.Equal(t, socketio.Connect, member.connect(srv.IssueJWT(time.Minute)).SocketType)
	assert.Equal(t, 1, srv.EventSockets(), "only the socket that named the organization is in its room")

	sb := create(t, client(t, srv), controlplane.CreateSandbox{})
	name, data := member.event()
	assert.Equal(t, "sandbox.created", name)
	assert.Equal(t, sb.ID, data["id"])

	refused := dialEvents(t, srv, eioQuery+"&organizationId="+srv.OrganizationID)
	p := refused.connect(NewServer(t).IssueJWT(time.Minute))
	assert.Equal(t, socketio.ConnectError, p.SocketType, "another server's token")
}
