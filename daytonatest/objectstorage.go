package daytonatest

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Object storage for build contexts (PROTOCOLS.md 10.3).
//
// The server runs an S3-compatible endpoint (gofakes3 over its in-memory
// backend) on a second listener on the control plane's host, because S3
// clients address buckets at the root of an endpoint. GET
// /object-storage/push-access hands out credentials for it: a fixed access
// key, secret and session token per server, the bucket ObjectStorageBucket
// and the region ObjectStorageRegion. Requests must be signed with them
// (AWS Signature V4, see sigv4.go); an unsigned or wrongly signed request
// is answered 403 with an S3 error body. Image builds (snapshots and
// sandboxes from build info) read their contexts from this store, at
// {organizationId}/{contextHash}/context.tar.
//
// Everything is held in memory: keep test contexts small.

// ObjectStorageBucket is the bucket push-access names.
const ObjectStorageBucket = "daytona-volume-builds"

// ObjectStorageRegion is the region push-access names.
const ObjectStorageRegion = "us-east-1"

// objectStore is the S3 endpoint and its data.
type objectStore struct {
	backend *s3mem.Backend
	handler http.Handler
	cred    s3Credentials
	url     string
	srv     *http.Server
	served  chan struct{}
}

// startObjectStore starts the S3 endpoint on host (port chosen by the OS).
func (s *Server) startObjectStore(host string) error {
	backend := s3mem.New()
	if err := backend.CreateBucket(ObjectStorageBucket); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return err
	}
	st := &objectStore{
		backend: backend,
		handler: gofakes3.New(backend).Server(),
		cred: s3Credentials{
			accessKey:    "DTNEMU" + strings.ToUpper(randomHex(7)),
			secret:       randomHex(20),
			sessionToken: randomHex(32),
			region:       ObjectStorageRegion,
		},
		url:    "http://" + ln.Addr().String(),
		served: make(chan struct{}),
	}
	st.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveObjectStorage),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	s.store = st
	go func() {
		defer close(st.served)
		_ = st.srv.Serve(ln)
	}()
	return nil
}

// closeObjectStore stops the S3 endpoint and waits for it.
func (s *Server) closeObjectStore() {
	if s.store == nil {
		return
	}
	_ = s.store.srv.Close()
	<-s.store.served
}

// ObjectStorageURL is the base URL of the S3-compatible endpoint that
// push-access points at, e.g. "http://127.0.0.1:41235".
func (s *Server) ObjectStorageURL() string { return s.store.url }

// serveObjectStorage is the S3 endpoint's root handler: request counting
// and faults (paths are the endpoint's own, e.g.
// "/daytona-volume-builds/{org}/{hash}/context.tar"), signature check,
// then gofakes3.
func (s *Server) serveObjectStorage(w http.ResponseWriter, r *http.Request) {
	if !s.active.enter() {
		http.Error(w, "server is closing", http.StatusServiceUnavailable)
		return
	}
	defer s.active.leave()
	defer s.recoverPanic(w, r)

	s.faults.count(r)
	w, handled := s.faults.apply(w, r, s.ctx.Done())
	if handled {
		return
	}
	if err := verifySigV4(r, s.store.cred); err != nil {
		var se *sigV4Error
		errors.As(err, &se)
		status := http.StatusForbidden
		if se.code == "AuthorizationHeaderMalformed" {
			status = http.StatusBadRequest
		}
		writeS3Error(w, r, status, se.code, se.message)
		return
	}
	s.store.handler.ServeHTTP(w, r)
}

// writeS3Error writes an S3 XML error body (none for HEAD).
func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Resource  string   `xml:"Resource"`
		RequestID string   `xml:"RequestId"`
	}{Code: code, Message: message, Resource: r.URL.Path, RequestID: randomHex(8)})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, xml.Header)
		_, _ = w.Write(body)
	}
}

// contextKey is the object key of a build context.
func (s *Server) contextKey(hash string) string {
	return s.OrganizationID + "/" + hash + "/context.tar"
}

// contextExists reports whether the context with this hash was uploaded.
func (s *Server) contextExists(hash string) bool {
	obj, err := s.store.backend.HeadObject(ObjectStorageBucket, s.contextKey(hash))
	if err != nil {
		return false
	}
	if obj.Contents != nil {
		_ = obj.Contents.Close()
	}
	return true
}

// openContext opens the tar of an uploaded context.
func (s *Server) openContext(hash string) (io.ReadCloser, error) {
	obj, err := s.store.backend.GetObject(ObjectStorageBucket, s.contextKey(hash), nil)
	if err != nil {
		return nil, err
	}
	return obj.Contents, nil
}

// UploadedContexts returns the hashes of the build contexts uploaded to
// the object storage for the server's organization, sorted.
func (s *Server) UploadedContexts() []string {
	prefix := s.OrganizationID + "/"
	list, err := s.store.backend.ListBucket(ObjectStorageBucket, &gofakes3.Prefix{HasPrefix: true, Prefix: prefix}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range list.Contents {
		hash, ok := strings.CutSuffix(strings.TrimPrefix(c.Key, prefix), "/context.tar")
		if ok && !strings.Contains(hash, "/") {
			out = append(out, hash)
		}
	}
	slices.Sort(out)
	return out
}

// GetPushAccess implements GET /object-storage/push-access: credentials
// for the emulator's S3 endpoint.
func (h *handlers) GetPushAccess(_ context.Context, _ cpserver.GetPushAccessRequestObject) (cpserver.GetPushAccessResponseObject, error) {
	s := h.s
	c := s.store.cred
	return cpserver.GetPushAccess200JSONResponse{
		AccessKey:      c.accessKey,
		Secret:         c.secret,
		SessionToken:   c.sessionToken,
		StorageURL:     s.store.url,
		OrganizationID: s.OrganizationID,
		Bucket:         ObjectStorageBucket,
		Region:         c.region,
	}, nil
}
