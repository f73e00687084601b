package daytonatest

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// AWS Signature Version 4, the server side: the object storage endpoint
// checks that every request is signed with the credentials push-access
// handed out (PROTOCOLS.md 10.3).
//
// What is checked: the Authorization header's algorithm, access key,
// scope (date, region, "s3", "aws4_request") and signature over the
// canonical request built from the signed headers; the session token
// (X-Amz-Security-Token); and, for a body whose X-Amz-Content-Sha256 is a
// hex digest, that the body has that digest (the request fails when the
// body ends otherwise), or, for an aws-chunked body
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), every chunk's signature. Presigned
// URLs are refused.

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// sigV4Error is an S3 error code and message.
type sigV4Error struct{ code, message string }

func (e *sigV4Error) Error() string { return e.code + ": " + e.message }

// s3Credentials are the credentials a request must be signed with.
type s3Credentials struct {
	accessKey, secret, sessionToken, region string
}

// verifySigV4 checks r's signature. On success it may replace r.Body with
// a reader that checks the payload digest.
func verifySigV4(r *http.Request, cred s3Credentials) error {
	if r.URL.Query().Get("X-Amz-Signature") != "" {
		return &sigV4Error{"AccessDenied", "presigned URLs are not supported by the daytonatest object storage"}
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return &sigV4Error{"AccessDenied", "Access Denied"}
	}
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigV4Algorithm {
		return &sigV4Error{"AccessDenied", "only " + sigV4Algorithm + " signatures are supported"}
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	credential, signedHeaders, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scopeParts := strings.Split(credential, "/")
	if len(scopeParts) != 5 || signedHeaders == "" || signature == "" {
		return &sigV4Error{"AuthorizationHeaderMalformed", "the authorization header is malformed"}
	}
	if subtle.ConstantTimeCompare([]byte(scopeParts[0]), []byte(cred.accessKey)) != 1 {
		return &sigV4Error{"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."}
	}
	date, region, service, term := scopeParts[1], scopeParts[2], scopeParts[3], scopeParts[4]
	if region != cred.region || service != "s3" || term != "aws4_request" {
		return &sigV4Error{"AuthorizationHeaderMalformed", "the credential scope names the wrong region or service"}
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Amz-Security-Token")), []byte(cred.sessionToken)) != 1 {
		return &sigV4Error{"InvalidToken", "The provided token is malformed or otherwise invalid."}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if len(amzDate) != len("20060102T150405Z") || !strings.HasPrefix(amzDate, date) {
		return &sigV4Error{"AccessDenied", "X-Amz-Date is missing or does not match the credential scope"}
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	headers := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(headers) || !containsString(headers, "host") {
		return &sigV4Error{"AuthorizationHeaderMalformed", "SignedHeaders must be sorted and include host"}
	}
	canonical := strings.Join([]string{
		r.Method,
		s3EncodePath(r.URL.Path),
		canonicalQuery(r.URL.Query()),
		canonicalHeaders(r, headers),
		signedHeaders,
		payload,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := sigV4Algorithm + "\n" + amzDate + "\n" + strings.Join(scopeParts[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+cred.secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, term)
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return &sigV4Error{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."}
	}
	switch {
	case payload == streamingPayload:
		decoded, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || decoded < 0 {
			return &sigV4Error{"MissingContentLength", "X-Amz-Decoded-Content-Length is missing or invalid"}
		}
		r.Body = &chunkReader{
			body: r.Body, r: bufio.NewReader(r.Body), key: key, left: decoded,
			prefix: "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + strings.Join(scopeParts[1:], "/") + "\n",
			prev:   signature,
		}
		// gofakes3 sees the decoded body.
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Set("Content-Length", strconv.FormatInt(decoded, 10))
		r.ContentLength = decoded
	case len(payload) == 64 && isHex(payload) && r.Body != nil:
		want, _ := hex.DecodeString(payload)
		r.Body = &digestReader{r: r.Body, h: sha256.New(), want: want}
	}
	return nil
}

// streamingPayload marks an aws-chunked body whose chunks are signed.
const streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

// maxChunk bounds one aws-chunked chunk (clients use 64 KiB).
const maxChunk = 16 << 20

// emptySHA256 is the hex SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// chunkReader decodes an aws-chunked body ("<hex size>;chunk-signature=
// <sig>\r\n<data>\r\n" ... ending with a zero-size chunk), checking each
// chunk's signature (chained from the seed signature) before releasing
// its data, and that the total is the decoded length declared.
type chunkReader struct {
	body   io.Closer
	r      *bufio.Reader
	key    []byte
	prefix string // algorithm, date and scope lines of the string to sign
	prev   string // the previous signature
	left   int64  // decoded bytes still expected
	buf    []byte // verified data not yet read
	done   bool
	err    error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.done {
			return 0, io.EOF
		}
		c.err = c.next()
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// next reads and verifies one chunk.
func (c *chunkReader) next() error {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("aws-chunked body: %w", io.ErrUnexpectedEOF)
	}
	sizeHex, sig, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ";chunk-signature=")
	size, perr := strconv.ParseInt(sizeHex, 16, 64)
	if !ok || perr != nil || size < 0 || size > maxChunk || size > c.left {
		return errors.New("aws-chunked body: malformed chunk header")
	}
	data := make([]byte, size+2)
	if _, err := io.ReadFull(c.r, data); err != nil || string(data[size:]) != "\r\n" {
		return fmt.Errorf("aws-chunked body: %w", io.ErrUnexpectedEOF)
	}
	data = data[:size]
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(hmacSHA256(c.key, c.prefix+c.prev+"\n"+emptySHA256+"\n"+hex.EncodeToString(sum[:])))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("aws-chunked body: chunk signature does not match")
	}
	c.prev = sig
	c.left -= size
	if size == 0 {
		if c.left != 0 {
			return fmt.Errorf("aws-chunked body: %w", io.ErrUnexpectedEOF)
		}
		c.done = true
	}
	c.buf = data
	return nil
}

func (c *chunkReader) Close() error { return c.body.Close() }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// canonicalHeaders renders the signed headers as "name:value\n" lines.
// Values are trimmed, inner runs of spaces collapsed, repeats joined by
// ",". Host and Content-Length are read from where net/http keeps them.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		var value string
		switch name {
		case "host":
			value = r.Host
		case "content-length":
			value = strconv.FormatInt(r.ContentLength, 10)
		default:
			var vals []string
			for _, v := range r.Header.Values(name) {
				vals = append(vals, strings.Join(strings.Fields(v), " "))
			}
			value = strings.Join(vals, ",")
		}
		b.WriteString(name + ":" + value + "\n")
	}
	return b.String()
}

// canonicalQuery sorts the query by key and encodes it the AWS way
// (spaces as %20).
func canonicalQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// s3EncodePath percent-encodes every byte of p except unreserved
// characters and "/".
func s3EncodePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// errDigestMismatch ends a body whose SHA-256 is not the signed one.
var errDigestMismatch = errors.New("the payload does not match X-Amz-Content-Sha256")

// digestReader hashes what it reads and fails at the end of the body if
// the digest differs from want.
type digestReader struct {
	r    io.ReadCloser
	h    hash.Hash
	want []byte
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	if err == io.EOF && !hmac.Equal(d.h.Sum(nil), d.want) {
		return n, errDigestMismatch
	}
	return n, err
}

func (d *digestReader) Close() error { return d.r.Close() }
