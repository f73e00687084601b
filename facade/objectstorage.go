package daytona

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/daytona-go/daytona/imagebuilder"
	"github.com/daytona-go/daytona/internal/version"
)

// ObjectStorageService uploads image build contexts to the organization's
// object storage, where image builds read them (PROTOCOLS.md 10.3). Get
// it from [Client.ObjectStorage]. [Client.Create] with a
// [FromImage.Build] image and [SnapshotService.Create] with
// [CreateSnapshotParams.Build] upload their contexts through it.
type ObjectStorageService struct{ c *Client }

// uploadPartSize is the part size of the streamed multipart upload, the
// smallest S3 allows. It bounds the upload's memory (one part is buffered)
// and, with S3's 10,000 parts, the size of one context to about 48 GiB.
const uploadPartSize = 5 << 20

// Upload uploads the file or directory at localPath as a build context of
// the organization orgID and returns its content hash. The context is one
// uncompressed tar whose entries are named under archiveBasePath (empty
// means localPath cleaned, without its leading "/", as the Python SDK
// does); the hash is the Python SDK's (see imagebuilder.Context.Hash), so
// the object key {orgID}/{hash}/context.tar is shared with the other SDKs'
// uploads. An empty orgID means the organization the push-access
// credentials name.
//
// Nothing is uploaded when the object already exists. Otherwise the tar is
// streamed from disk through a pipe into a multipart upload: memory use
// stays bounded (about one 5 MiB part) whatever the size of the context.
//
// A missing localPath or an invalid argument gives an error matching
// ErrValidation before any network call; a refusal by the storage gives an
// *Error with the storage's status and code.
func (o *ObjectStorageService) Upload(ctx context.Context, localPath, orgID, archiveBasePath string) (string, error) {
	switch {
	case strings.TrimSpace(localPath) == "":
		return "", invalidf("Upload needs a local path")
	case strings.Contains(orgID, "/"):
		return "", invalidf("organization ID %q contains a slash", orgID)
	}
	if _, err := os.Stat(localPath); err != nil {
		return "", newSDKError(ErrValidation, err, "build context %q cannot be read", localPath)
	}
	if archiveBasePath == "" {
		archiveBasePath = archivePath(localPath)
	}
	cx := imagebuilder.Context{LocalPath: localPath, ArchivePath: archiveBasePath}
	st, err := o.c.storage(ctx, orgID)
	if err != nil {
		return "", err
	}
	return st.upload(ctx, cx)
}

// archivePath is the default archive path of a local path: cleaned, with
// slashes, without a volume name or leading separators.
func archivePath(p string) string {
	p = filepath.Clean(p)
	p = strings.TrimPrefix(p, filepath.VolumeName(p))
	p = strings.TrimLeft(filepath.ToSlash(p), "/")
	return strings.TrimLeft(p, `\`)
}

// storageSession is an S3 client for one organization's contexts.
type storageSession struct {
	mc     *minio.Client
	bucket string
	org    string
}

// storage fetches push-access credentials and opens an S3 client on them.
// The client uses the SDK's base transport, without the Daytona
// credentials and headers.
func (c *Client) storage(ctx context.Context, orgID string) (*storageSession, error) {
	resp, err := c.cp.GetPushAccessWithResponse(ctx, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	acc := resp.JSON200
	if acc == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /object-storage/push-access: %s", resp.Status())
	}
	raw := acc.StorageURL
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return nil, newSDKError(ErrServer, nil, "the server sent an invalid storage URL")
	case u.Path != "" && u.Path != "/":
		return nil, newSDKError(ErrServer, nil, "the storage URL has a path, which S3 clients do not support")
	case acc.Bucket == "":
		return nil, newSDKError(ErrServer, nil, "the server sent no storage bucket")
	}
	if orgID == "" {
		orgID = acc.OrganizationID
	}
	if orgID == "" || strings.Contains(orgID, "/") {
		return nil, newSDKError(ErrServer, nil, "the server sent an invalid organization ID")
	}
	tr := c.base
	if tr == nil {
		tr = http.DefaultTransport
	}
	mc, err := minio.New(u.Host, &minio.Options{
		// Static credentials: the host's AWS environment is ignored.
		Creds:        credentials.NewStaticV4(acc.AccessKey, acc.Secret, acc.SessionToken),
		Secure:       u.Scheme == "https",
		Region:       acc.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    tr,
	})
	if err != nil {
		return nil, newSDKError(ErrServer, err, "cannot use the storage endpoint")
	}
	mc.SetAppInfo(version.Source, version.SDK)
	return &storageSession{mc: mc, bucket: acc.Bucket, org: orgID}, nil
}

// upload uploads one context unless its object exists, and returns its
// hash.
func (st *storageSession) upload(ctx context.Context, cx imagebuilder.Context) (string, error) {
	hash, err := cx.Hash()
	if err != nil {
		return "", newSDKError(ErrValidation, err, "build context %q cannot be read", cx.LocalPath)
	}
	key := st.org + "/" + hash + "/context.tar"
	_, err = st.mc.StatObject(ctx, st.bucket, key, minio.StatObjectOptions{})
	if err == nil {
		return hash, nil // content-addressed: already there
	}
	if er := minio.ToErrorResponse(err); er.Code != minio.NoSuchKey && er.StatusCode != http.StatusNotFound {
		return "", storageError(ctx, err, "checking build context "+hash)
	}

	pr, pw := io.Pipe()
	tarErr := make(chan error, 1)
	go func() {
		err := cx.WriteTar(pw)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
		tarErr <- err
	}()
	_, err = st.mc.PutObject(ctx, st.bucket, key, pr, -1, minio.PutObjectOptions{
		PartSize:    uploadPartSize,
		ContentType: "application/x-tar",
	})
	// Unblock the writer if the upload stopped reading, then wait for it.
	pr.CloseWithError(errUploadEnded)
	werr := <-tarErr
	switch {
	case werr != nil && !errors.Is(werr, errUploadEnded):
		return "", newSDKError(ErrValidation, werr, "build context %q cannot be read", cx.LocalPath)
	case err != nil:
		return "", storageError(ctx, err, "uploading build context "+hash)
	}
	return hash, nil
}

// errUploadEnded closes the tar pipe once the upload returns.
var errUploadEnded = errors.New("upload ended")

// storageError maps an S3 client error to an *Error: the storage's status,
// code and message when it answered, else a connection or ctx error.
func storageError(ctx context.Context, err error, what string) error {
	if ctx.Err() != nil {
		return contextError(ctx.Err(), context.Cause(ctx))
	}
	er := minio.ToErrorResponse(err)
	if er.StatusCode == 0 {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &Error{Kind: ErrConnection, Source: SourceSDK, Message: what + ": object storage unreachable", Err: err}
	}
	msg := what + ": object storage refused"
	if er.Message != "" {
		msg += ": " + er.Message
	}
	e := &Error{Kind: kindForStatus(er.StatusCode), StatusCode: er.StatusCode, Code: er.Code, Message: msg}
	if er.RequestID != "" {
		e.Headers = http.Header{"X-Request-Id": {er.RequestID}}
	}
	return e
}

// uploadContexts uploads the contexts in order and returns their hashes;
// no contexts means no network call.
func (c *Client) uploadContexts(ctx context.Context, contexts []imagebuilder.Context) ([]string, error) {
	hashes := make([]string, 0, len(contexts))
	if len(contexts) == 0 {
		return hashes, nil
	}
	st, err := c.storage(ctx, "")
	if err != nil {
		return nil, err
	}
	done := map[string]string{} // local path + archive path -> hash
	for _, cx := range contexts {
		id := cx.LocalPath + "\x00" + cx.ArchivePath
		if h, ok := done[id]; ok {
			hashes = append(hashes, h)
			continue
		}
		h, err := st.upload(ctx, cx)
		if err != nil {
			return nil, err
		}
		done[id] = h
		hashes = append(hashes, h)
	}
	return hashes, nil
}

// imageBuild validates img and returns its Dockerfile (with entrypoint,
// if any, appended) and build contexts. It makes no network call; an
// invalid image gives an error matching ErrValidation that wraps the
// builder's error.
func imageBuild(img imagebuilder.Image, entrypoint []string) (string, []imagebuilder.Context, error) {
	if entrypoint != nil {
		img = img.Entrypoint(entrypoint...)
	}
	df, err := img.Dockerfile()
	if err != nil {
		return "", nil, newSDKError(ErrValidation, err, "invalid image")
	}
	contexts, err := img.Contexts()
	if err != nil {
		return "", nil, newSDKError(ErrValidation, err, "invalid image")
	}
	return df, contexts, nil
}

// isImageSet reports whether img was started by a constructor (the zero
// Image means "no image").
func isImageSet(img imagebuilder.Image) bool {
	return !errors.Is(img.Err(), imagebuilder.ErrNoBase)
}
