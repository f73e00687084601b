package daytonatest

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// User tokens. Besides its API key, the emulator accepts JWTs it issued
// itself (IssueJWT), as the platform accepts its identity provider's: with
// "Authorization: Bearer <JWT>" every request must also name the
// organization in X-Daytona-Organization-ID (PROTOCOLS.md 1.2). A token
// that is not the server's, is altered or has expired answers 401; a valid
// one with a missing or other organization answers 403, as for a user who
// is not a member. The push channel takes a JWT in its CONNECT packet and
// puts the socket in the organization's room only when ?organizationId=
// names it (PROTOCOLS.md quirk 44: otherwise it receives no events).

// jwtIssuer is the iss claim of the server's tokens.
const jwtIssuer = "daytonatest"

// IssueJWT returns a user token (HS256, signed with a key of this server
// only) that expires after ttl (an hour when ttl <= 0). Configure a client
// with it as daytona.Config{JWTToken: token, OrganizationID:
// srv.OrganizationID}.
func (s *Server) IssueJWT(ttl time.Duration) string {
	if ttl <= 0 {
		ttl = time.Hour
	}
	now := time.Now()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer:    jwtIssuer,
		Subject:   "daytonatest-user",
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}).SignedString(s.jwtKey)
	if err != nil { // HS256 with a []byte key cannot fail
		panic("daytonatest: signing a JWT: " + err.Error())
	}
	return token
}

// validJWT reports whether token is a JWT this server issued that has not
// expired.
func (s *Server) validJWT(token string) bool {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return s.jwtKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithExpirationRequired(),
	)
	return err == nil
}

// authStatus checks a request's credentials: 0 when they let it through,
// else the status to answer (401 or 403).
func (s *Server) authStatus(r *http.Request) int {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return http.StatusUnauthorized
	}
	token = strings.TrimSpace(token)
	switch {
	case subtle.ConstantTimeCompare([]byte(token), []byte(s.APIKey)) == 1:
		return 0
	case !s.validJWT(token):
		return http.StatusUnauthorized
	case r.Header.Get("X-Daytona-Organization-ID") != s.OrganizationID:
		return http.StatusForbidden
	}
	return 0
}
