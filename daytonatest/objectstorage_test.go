package daytonatest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

// pushAccess fetches the object storage credentials.
func pushAccess(t *testing.T, c *controlplane.ClientWithResponses) controlplane.StorageAccessDto {
	t.Helper()
	r, err := c.GetPushAccessWithResponse(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return *r.JSON200
}

// s3Client is a minio client for the credentials, with modify applied to
// them first.
func s3Client(t *testing.T, acc controlplane.StorageAccessDto) *minio.Client {
	t.Helper()
	u, err := url.Parse(acc.StorageURL)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	mc, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(acc.AccessKey, acc.Secret, acc.SessionToken),
		Region:       acc.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    tr,
		MaxRetries:   1,
	})
	require.NoError(t, err)
	return mc
}

func TestObjectStoragePushAccess(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	acc := pushAccess(t, c)
	assert.Equal(t, srv.ObjectStorageURL(), acc.StorageURL)
	assert.Equal(t, srv.OrganizationID, acc.OrganizationID)
	assert.Equal(t, ObjectStorageBucket, acc.Bucket)
	assert.Equal(t, ObjectStorageRegion, acc.Region)
	for _, v := range []string{acc.AccessKey, acc.Secret, acc.SessionToken} {
		assert.NotEmpty(t, v)
	}
	assert.Equal(t, acc, pushAccess(t, c), "the credentials are stable for a server")
}

func TestObjectStorageUploadAndStat(t *testing.T) {
	srv := NewServer(t)
	acc := pushAccess(t, client(t, srv))
	mc := s3Client(t, acc)
	ctx := context.Background()
	key := acc.OrganizationID + "/h1/context.tar"

	_, err := mc.StatObject(ctx, acc.Bucket, key, minio.StatObjectOptions{})
	require.Error(t, err)
	assert.Equal(t, "NoSuchKey", minio.ToErrorResponse(err).Code)

	data := contextTar(t, map[string]string{"app/a.txt": "A"})
	// Size -1 is a multipart upload, the way the SDK streams.
	_, err = mc.PutObject(ctx, acc.Bucket, key, bytes.NewReader(data), -1, minio.PutObjectOptions{PartSize: 5 << 20})
	require.NoError(t, err)
	info, err := mc.StatObject(ctx, acc.Bucket, key, minio.StatObjectOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), info.Size)
	assert.Equal(t, []string{"h1"}, srv.UploadedContexts())
	assert.Positive(t, srv.Requests(http.MethodPut, "/"+ObjectStorageBucket+"/**"), "S3 requests are counted")

	// A listing with a prefix (the TS/Go SDKs' existence check).
	var keys []string
	for obj := range mc.ListObjects(ctx, acc.Bucket, minio.ListObjectsOptions{Prefix: acc.OrganizationID + "/h1/", MaxKeys: 1}) {
		require.NoError(t, obj.Err)
		keys = append(keys, obj.Key)
	}
	assert.Equal(t, []string{key}, keys)
}

func TestObjectStorageRejectsBadCredentials(t *testing.T) {
	srv := NewServer(t)
	good := pushAccess(t, client(t, srv))
	tests := []struct {
		name   string
		modify func(*controlplane.StorageAccessDto)
		code   string
	}{
		{"wrong secret", func(a *controlplane.StorageAccessDto) { a.Secret = "nope" + a.Secret }, "SignatureDoesNotMatch"},
		{"unknown access key", func(a *controlplane.StorageAccessDto) { a.AccessKey = "AKIAOTHER" }, "InvalidAccessKeyId"},
		{"wrong session token", func(a *controlplane.StorageAccessDto) { a.SessionToken = "other" }, "InvalidToken"},
		{"wrong region", func(a *controlplane.StorageAccessDto) { a.Region = "eu-west-1" }, "AuthorizationHeaderMalformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acc := good
			tt.modify(&acc)
			mc := s3Client(t, acc)
			_, err := mc.PutObject(context.Background(), acc.Bucket, good.OrganizationID+"/x/context.tar",
				strings.NewReader("data"), 4, minio.PutObjectOptions{})
			require.Error(t, err)
			assert.Equal(t, tt.code, minio.ToErrorResponse(err).Code, err.Error())
			assert.NotContains(t, err.Error(), good.Secret)
		})
	}
	assert.Empty(t, srv.UploadedContexts())

	t.Run("unsigned", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, srv.ObjectStorageURL()+"/"+ObjectStorageBucket+"/", nil)
		require.NoError(t, err)
		resp, err := rawClient(t).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, string(body), "<Code>AccessDenied</Code>")
	})
}

// signedPut sends a PUT signed by minio's signer for a body whose
// declared SHA-256 is that of declared.
func signedPut(t *testing.T, srv *Server, acc controlplane.StorageAccessDto, key, body, declared string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, srv.ObjectStorageURL()+"/"+acc.Bucket+"/"+key, strings.NewReader(body))
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(declared))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	req = signer.SignV4(*req, acc.AccessKey, acc.Secret, acc.SessionToken, acc.Region)
	resp, err := rawClient(t).Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestObjectStorageChecksPayloadDigest(t *testing.T) {
	srv := NewServer(t)
	acc := pushAccess(t, client(t, srv))
	key := acc.OrganizationID + "/d/context.tar"

	resp := signedPut(t, srv, acc, key, "payload", "something else")
	assert.GreaterOrEqual(t, resp.StatusCode, 400, "a body that does not match its signed digest is refused")
	assert.Empty(t, srv.UploadedContexts())

	resp = signedPut(t, srv, acc, key, "payload", "payload")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []string{"d"}, srv.UploadedContexts())
}

// FuzzChunkReader feeds arbitrary aws-chunked bodies to the decoder: it
// must never panic, never release more than the declared length, and only
// release data whose chunk signatures verified.
func FuzzChunkReader(f *testing.F) {
	f.Add([]byte("0;chunk-signature=abc\r\n\r\n"), int64(0))
	f.Add([]byte("4;chunk-signature=00\r\ndata\r\n0;chunk-signature=00\r\n\r\n"), int64(4))
	f.Add([]byte("ffffffffffffffff;chunk-signature=x\r\n"), int64(1))
	f.Add([]byte("no header"), int64(3))
	f.Fuzz(func(t *testing.T, body []byte, declared int64) {
		if declared < 0 {
			declared = -declared
		}
		cr := &chunkReader{
			body: io.NopCloser(nil), r: bufio.NewReader(bytes.NewReader(body)),
			key: []byte("key"), prefix: "p\n", prev: "seed", left: declared,
		}
		out, err := io.ReadAll(cr)
		if int64(len(out)) > declared {
			t.Fatalf("released %d bytes, declared %d", len(out), declared)
		}
		if err == nil && len(out) > 0 {
			t.Fatalf("released %d unsigned bytes", len(out))
		}
	})
}
