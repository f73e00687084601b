package daytona

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStorageArchivePath(t *testing.T) {
	tests := map[string]string{
		"/home/u/app":  "home/u/app",
		"./x/../y/":    "y",
		"../up/f":      "../up/f",
		"//double//a/": "double/a",
		"rel/file.txt": "rel/file.txt",
	}
	for in, want := range tests {
		assert.Equal(t, want, archivePath(filepath.FromSlash(in)), in)
	}
}

// pushAccessCP answers push-access with a storage URL, bucket and org.
func pushAccessCP(t *testing.T, storageURL, bucket, org string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{
			"accessKey": "AK", "secret": "SK", "sessionToken": "ST", "storageUrl": storageURL,
			"organizationId": org, "bucket": bucket, "region": "eu-central-1",
		})
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{APIURL: srv.URL, APIKey: "key"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestStorageEndpointFromPushAccess(t *testing.T) {
	tests := []struct {
		name, storageURL, bucket, org string
		wantEndpoint                  string
		wantSecure                    bool
		wantErr                       bool
	}{
		{name: "https URL", storageURL: "https://s3.example.com", bucket: "b", org: "o", wantEndpoint: "s3.example.com", wantSecure: true},
		{name: "http URL with port", storageURL: "http://127.0.0.1:9000/", bucket: "b", org: "o", wantEndpoint: "127.0.0.1:9000"},
		{name: "bare host means https", storageURL: "storage.example.com", bucket: "b", org: "o", wantEndpoint: "storage.example.com", wantSecure: true},
		{name: "a path is refused", storageURL: "https://example.com/s3", bucket: "b", org: "o", wantErr: true},
		{name: "other scheme", storageURL: "ftp://example.com", bucket: "b", org: "o", wantErr: true},
		{name: "no bucket", storageURL: "https://example.com", org: "o", wantErr: true},
		{name: "no organization", storageURL: "https://example.com", bucket: "b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := pushAccessCP(t, tt.storageURL, tt.bucket, tt.org)
			st, err := c.storage(t.Context(), "")
			if tt.wantErr {
				require.ErrorIs(t, err, ErrServer)
				return
			}
			require.NoError(t, err)
			u := st.mc.EndpointURL()
			assert.Equal(t, tt.wantEndpoint, u.Host)
			assert.Equal(t, tt.wantSecure, u.Scheme == "https")
			assert.Equal(t, tt.bucket, st.bucket)
			assert.Equal(t, tt.org, st.org)
		})
	}

	c := pushAccessCP(t, "https://s3.example.com", "b", "server-org")
	st, err := c.storage(t.Context(), "my-org")
	require.NoError(t, err)
	assert.Equal(t, "my-org", st.org, "an explicit organization wins")
}
