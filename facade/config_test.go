package daytona

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testEnv is an environment made of a map and a directory holding the
// given .env.local and .env contents ("" = no file).
func testEnv(t *testing.T, vars map[string]string, envLocal, env string) environment {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{".env.local": envLocal, ".env": env} {
		if content != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
		}
	}
	return environment{
		lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		dir:    dir,
	}
}

func TestResolveConfigPrecedence(t *testing.T) {
	t.Parallel()
	type want struct {
		apiKey, jwt, org, apiURL, target string
		deprecated                       bool
	}
	tests := []struct {
		name     string
		cfg      Config
		vars     map[string]string
		envLocal string
		env      string
		want     want
	}{
		{
			name: "explicit config wins over everything",
			cfg:  Config{APIKey: "cfg-key", APIURL: "https://cfg.example/api", Target: "cfg"},
			vars: map[string]string{"DAYTONA_API_KEY": "env-key", "DAYTONA_API_URL": "https://env.example", "DAYTONA_TARGET": "env"},
			env:  "DAYTONA_API_KEY=file-key\nDAYTONA_TARGET=file\n",
			want: want{apiKey: "cfg-key", apiURL: "https://cfg.example/api", target: "cfg"},
		},
		{
			name:     "process env wins over .env.local and .env",
			vars:     map[string]string{"DAYTONA_API_KEY": "env-key", "DAYTONA_TARGET": "env"},
			envLocal: "DAYTONA_API_KEY=local-key\nDAYTONA_TARGET=local\nDAYTONA_API_URL=http://local.example\n",
			env:      "DAYTONA_API_KEY=file-key\nDAYTONA_TARGET=file\nDAYTONA_API_URL=http://file.example\n",
			want:     want{apiKey: "env-key", target: "env", apiURL: "http://local.example"},
		},
		{
			name:     ".env.local wins over .env, field by field",
			envLocal: "DAYTONA_TARGET=local\n",
			env:      "DAYTONA_API_KEY=file-key\nDAYTONA_TARGET=file\n",
			want:     want{apiKey: "file-key", target: "local", apiURL: DefaultAPIURL},
		},
		{
			name: ".env alone",
			env:  "# comment\nexport DAYTONA_API_KEY=\"file-key\"\nDAYTONA_TARGET='us' # region\n",
			want: want{apiKey: "file-key", target: "us", apiURL: DefaultAPIURL},
		},
		{
			name: "only DAYTONA_ keys are read from files",
			env:  "API_KEY=nope\nDAYTONA_API_KEY=yes\nTARGET=nope\n",
			want: want{apiKey: "yes", apiURL: DefaultAPIURL},
		},
		{
			name: "an empty env value falls through to the files",
			vars: map[string]string{"DAYTONA_API_KEY": "", "DAYTONA_TARGET": "  "},
			env:  "DAYTONA_API_KEY=file-key\nDAYTONA_TARGET=eu\n",
			want: want{apiKey: "file-key", target: "eu", apiURL: DefaultAPIURL},
		},
		{
			name: "env values are trimmed",
			vars: map[string]string{"DAYTONA_API_KEY": " key\n"},
			want: want{apiKey: "key", apiURL: DefaultAPIURL},
		},
		{
			name: "JWT and organization from env",
			vars: map[string]string{"DAYTONA_JWT_TOKEN": "jwt", "DAYTONA_ORGANIZATION_ID": "org"},
			want: want{jwt: "jwt", org: "org", apiURL: DefaultAPIURL},
		},
		{
			name: "JWT from env, organization from .env",
			vars: map[string]string{"DAYTONA_JWT_TOKEN": "jwt"},
			env:  "DAYTONA_ORGANIZATION_ID=org\n",
			want: want{jwt: "jwt", org: "org", apiURL: DefaultAPIURL},
		},
		{
			name: "both credentials known: both kept (the API key is used)",
			vars: map[string]string{"DAYTONA_API_KEY": "key", "DAYTONA_JWT_TOKEN": "jwt"},
			want: want{apiKey: "key", jwt: "jwt", apiURL: DefaultAPIURL},
		},
		{
			name: "explicit JWT: no API key from env",
			cfg:  Config{JWTToken: "cfg-jwt", OrganizationID: "cfg-org"},
			vars: map[string]string{"DAYTONA_API_KEY": "env-key", "DAYTONA_ORGANIZATION_ID": "env-org"},
			want: want{jwt: "cfg-jwt", org: "cfg-org", apiURL: DefaultAPIURL},
		},
		{
			name: "explicit JWT takes the organization from env",
			cfg:  Config{JWTToken: "cfg-jwt"},
			vars: map[string]string{"DAYTONA_ORGANIZATION_ID": "env-org"},
			want: want{jwt: "cfg-jwt", org: "env-org", apiURL: DefaultAPIURL},
		},
		{
			name: "explicit API key: no JWT from env",
			cfg:  Config{APIKey: "cfg-key"},
			vars: map[string]string{"DAYTONA_JWT_TOKEN": "env-jwt"},
			want: want{apiKey: "cfg-key", apiURL: DefaultAPIURL},
		},
		{
			name: "DAYTONA_SERVER_URL is the deprecated fallback",
			vars: map[string]string{"DAYTONA_API_KEY": "k", "DAYTONA_SERVER_URL": "https://old.example/api"},
			want: want{apiKey: "k", apiURL: "https://old.example/api", deprecated: true},
		},
		{
			name: "DAYTONA_API_URL in .env wins over DAYTONA_SERVER_URL in env",
			vars: map[string]string{"DAYTONA_API_KEY": "k", "DAYTONA_SERVER_URL": "https://old.example/api"},
			env:  "DAYTONA_API_URL=https://new.example/api\n",
			want: want{apiKey: "k", apiURL: "https://new.example/api"},
		},
		{
			name: "DAYTONA_SERVER_URL from .env",
			vars: map[string]string{"DAYTONA_API_KEY": "k"},
			env:  "DAYTONA_SERVER_URL=https://old.example/api\n",
			want: want{apiKey: "k", apiURL: "https://old.example/api", deprecated: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := resolveConfig(tt.cfg, testEnv(t, tt.vars, tt.envLocal, tt.env))
			require.NoError(t, err)
			got := want{apiKey: res.APIKey, jwt: res.JWTToken, org: res.OrganizationID, apiURL: res.APIURL,
				target: res.Target, deprecated: res.deprecatedServerURL}
			assert.Equal(t, tt.want, got)
		})
	}
}

// New reads .env files but never writes their values into the process
// environment.
func TestNewDoesNotTouchProcessEnv(t *testing.T) {
	t.Parallel()
	const key = "DAYTONA_TEST_ONLY_7F3A"
	env := testEnv(t, nil, "", "DAYTONA_API_KEY=k\n"+key+"=v\n")
	env.lookup = os.LookupEnv
	_, err := resolveConfig(Config{}, env)
	require.NoError(t, err)
	_, set := os.LookupEnv(key)
	assert.False(t, set)
}

func TestResolveConfigErrors(t *testing.T) {
	t.Parallel()
	const secret = "sk-very-secret-value"
	tests := []struct {
		name     string
		cfg      Config
		vars     map[string]string
		env      string
		contains []string
	}{
		{name: "no credentials", contains: []string{"DAYTONA_API_KEY", "DAYTONA_JWT_TOKEN", "DAYTONA_ORGANIZATION_ID"}},
		{name: "only an organization", vars: map[string]string{"DAYTONA_ORGANIZATION_ID": "org"}, contains: []string{"DAYTONA_API_KEY", "DAYTONA_JWT_TOKEN"}},
		{name: "JWT without organization", vars: map[string]string{"DAYTONA_JWT_TOKEN": secret}, contains: []string{"DAYTONA_ORGANIZATION_ID", "JWT"}},
		{name: "explicit JWT without organization", cfg: Config{JWTToken: secret}, contains: []string{"DAYTONA_ORGANIZATION_ID"}},
		{name: "URL without scheme", cfg: Config{APIKey: secret, APIURL: "app.daytona.io/api"}, contains: []string{"http or https"}},
		{name: "URL with another scheme", cfg: Config{APIKey: secret, APIURL: "ftp://x/api"}, contains: []string{"http or https"}},
		{name: "URL without host", cfg: Config{APIKey: secret, APIURL: "https:///api"}, contains: []string{"no host"}},
		{name: "URL that does not parse", cfg: Config{APIKey: secret, APIURL: "https://bad host/\x7f"}, contains: []string{"does not parse"}},
		{name: "URL with credentials", cfg: Config{APIKey: "k", APIURL: "https://user:" + secret + "@x/api"}, contains: []string{"credentials", "https://x/api"}},
		{name: "URL with query", cfg: Config{APIKey: "k", APIURL: "https://x/api?token=" + secret}, contains: []string{"query", "https://x/api"}},
		{name: "URL from env is checked too", vars: map[string]string{"DAYTONA_API_KEY": "k", "DAYTONA_API_URL": "nonsense"}, contains: []string{"DAYTONA_API_URL"}},
		{name: "key with a newline", cfg: Config{APIKey: secret + "\n"}, contains: []string{"API key"}},
		{name: "key with a space", cfg: Config{APIKey: "a " + secret}, contains: []string{"API key"}},
		{name: "negative retries", cfg: Config{APIKey: secret, Retry: RetryPolicy{MaxAttempts: -1}}, contains: []string{"Config.Retry"}},
		{name: "negative backoff", cfg: Config{APIKey: secret, Retry: RetryPolicy{InitialBackoff: -1}}, contains: []string{"Config.Retry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := resolveConfig(tt.cfg, testEnv(t, tt.vars, "", tt.env))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrValidation)
			var de *Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, SourceSDK, de.Source)
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestResolveConfigUnreadableDotEnv(t *testing.T) {
	t.Parallel()
	env := testEnv(t, nil, "", "")
	require.NoError(t, os.Mkdir(filepath.Join(env.dir, ".env"), 0o700)) // a directory cannot be read as a file
	_, err := resolveConfig(Config{}, env)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrValidation)
	assert.Contains(t, err.Error(), "reading .env")

	// A complete config never looks at the files.
	_, err = resolveConfig(Config{APIKey: "k", APIURL: "https://x", Target: "t", OrganizationID: "o"}, env)
	assert.NoError(t, err)
}

func TestNewWarnsAboutServerURLOnce(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	env := testEnv(t, map[string]string{"DAYTONA_API_KEY": "k", "DAYTONA_SERVER_URL": "https://old.example/api"}, "", "")
	c, err := newClient(Config{Logger: logger}, env)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, 1, strings.Count(logs.String(), "DAYTONA_SERVER_URL is deprecated"), logs.String())
	assert.Equal(t, "https://old.example/api", c.cfg.APIURL)

	logs.Reset()
	env = testEnv(t, map[string]string{"DAYTONA_API_KEY": "k", "DAYTONA_API_URL": "https://new.example/api", "DAYTONA_SERVER_URL": "https://old.example/api"}, "", "")
	c2, err := newClient(Config{Logger: logger}, env)
	require.NoError(t, err)
	defer c2.Close()
	assert.Empty(t, logs.String())
}

func TestParseDotEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "plain", in: "DAYTONA_API_KEY=abc\n", want: map[string]string{"DAYTONA_API_KEY": "abc"}},
		{name: "CRLF and spaces", in: "  DAYTONA_API_KEY = abc \r\nDAYTONA_TARGET=us\r\n", want: map[string]string{"DAYTONA_API_KEY": "abc", "DAYTONA_TARGET": "us"}},
		{name: "export", in: "export DAYTONA_API_KEY=abc\nexport\tDAYTONA_TARGET=eu\n", want: map[string]string{"DAYTONA_API_KEY": "abc", "DAYTONA_TARGET": "eu"}},
		{name: "comments", in: "# DAYTONA_API_KEY=no\nDAYTONA_API_KEY=abc # trailing\nDAYTONA_TARGET=a#b\n", want: map[string]string{"DAYTONA_API_KEY": "abc", "DAYTONA_TARGET": "a#b"}},
		{name: "double quotes with escapes", in: `DAYTONA_API_KEY="a \"b\" \\ c\nd" # x`, want: map[string]string{"DAYTONA_API_KEY": "a \"b\" \\ c\nd"}},
		{name: "single quotes are literal", in: `DAYTONA_API_KEY='a\nb # c'`, want: map[string]string{"DAYTONA_API_KEY": `a\nb # c`}},
		{name: "unterminated quote keeps the rest", in: `DAYTONA_API_KEY="abc`, want: map[string]string{"DAYTONA_API_KEY": "abc"}},
		{name: "value with equals", in: "DAYTONA_API_URL=https://x/api?a=b\n", want: map[string]string{"DAYTONA_API_URL": "https://x/api?a=b"}},
		{name: "empty value", in: "DAYTONA_TARGET=\n", want: map[string]string{"DAYTONA_TARGET": ""}},
		{name: "later wins", in: "DAYTONA_TARGET=a\nDAYTONA_TARGET=b\n", want: map[string]string{"DAYTONA_TARGET": "b"}},
		{name: "other keys and junk skipped", in: "PATH=/bin\nDAYTONA_API_KEY\nnot a line\nDAYTONA BAD=1\nexportDAYTONA_X=1\n", want: map[string]string{}},
		{name: "no final newline", in: "DAYTONA_TARGET=eu", want: map[string]string{"DAYTONA_TARGET": "eu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, parseDotEnv(tt.in))
		})
	}
}

func FuzzParseDotEnv(f *testing.F) {
	for _, s := range []string{"DAYTONA_API_KEY=abc\n", `export DAYTONA_X="a\"b"`, "DAYTONA_Y='", "DAYTONA_Z=\"\\", "#\n=\n", "DAYTONA_=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for k := range parseDotEnv(in) {
			if !strings.HasPrefix(k, "DAYTONA_") || strings.ContainsAny(k, " \t\r\n=") {
				t.Fatalf("bad key %q", k)
			}
		}
	})
}

func TestConfigPrintsRedacted(t *testing.T) {
	t.Parallel()
	cfg := Config{APIKey: "sk-secret-1", JWTToken: "jwt-secret-2", OrganizationID: "org", APIURL: "https://x/api"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), logs.String()} {
		assert.NotContains(t, s, "sk-secret-1")
		assert.NotContains(t, s, "jwt-secret-2")
		assert.Contains(t, s, "https://x/api")
		assert.Contains(t, s, "REDACTED")
	}
	assert.Contains(t, Config{}.String(), "APIKey: unset")
}
