package daytonatest

import (
	"bufio"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHardeningResetSendsNoResponse: Fault.Reset promises to drop the
// connection "instead of answering". The client must see the reset and not
// a single byte of a response (a status line would make it a 200 whose body
// broke off, which is a different fault and is not retried like a reset).
func TestHardeningResetSendsNoResponse(t *testing.T) {
	srv := NewServer(t)
	srv.InjectFault(Fault{Method: "GET", Path: "/sandbox", Reset: true})
	conn, err := net.Dial("tcp", srv.URL[len("http://"):])
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /sandbox HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+srv.APIKey+"\r\n\r\n")
	require.NoError(t, err)
	got, err := io.ReadAll(bufio.NewReader(conn))
	require.Error(t, err, "a reset, not an orderly end")
	assert.Empty(t, string(got), "no response bytes before the reset")
	assert.Equal(t, 1, srv.Requests("GET", "/sandbox"))
}
