package stream_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/daytona-go/daytona/stream"
)

// A session log arrives in frames that end anywhere, even inside a marker;
// Demux puts each stream's bytes back together.
func Example() {
	frames := []string{"\x01\x01\x01building\n\x02", "\x02\x02warning: old cache\n\x01\x01", "\x01done\n"}
	var stdout, stderr bytes.Buffer
	d := stream.NewDemux(&stdout, &stderr)
	for _, f := range frames {
		if _, err := d.Write([]byte(f)); err != nil {
			log.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stdout: %q\nstderr: %q\n", stdout.String(), stderr.String())
	// Output:
	// stdout: "building\ndone\n"
	// stderr: "warning: old cache\n"
}

func ExampleSplitLogs() {
	out, errOut := stream.SplitLogs([]byte("\x01\x01\x01tick1\n\x02\x02\x02warn1\n\x01\x01\x01nonl\n"))
	fmt.Printf("%q %q\n", out, errOut)
	// Output: "tick1\nnonl\n" "warn1\n"
}

func ExampleDownloadParts() {
	// A response as the toolbox sends it (here produced by DownloadWriter).
	var body bytes.Buffer
	w := stream.NewDownloadWriter(&body)
	_ = w.WriteFile("/home/daytona/a.txt", 5, "text/plain", strings.NewReader("hello"))
	_ = w.WriteError("/home/daytona/missing", []byte(`{"statusCode":404,"code":"FILE_NOT_FOUND","message":"file not found"}`))
	_ = w.Close()

	for part, err := range stream.DownloadParts(&body, w.ContentType()) {
		if err != nil {
			log.Fatal(err) // e.g. stream.ErrTruncated
		}
		switch part.Kind {
		case stream.PartFile:
			content, err := io.ReadAll(part) // or io.Copy to the destination file
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s: %q\n", part.Path, content)
		case stream.PartError:
			fmt.Printf("%s: %d %s\n", part.Path, part.Err.StatusCode, part.Err.Code)
		}
	}
	// Output:
	// /home/daytona/a.txt: "hello"
	// /home/daytona/missing: 404 FILE_NOT_FOUND
}

func ExampleNewUploadBody() {
	contentType, body, err := stream.NewUploadBody([]stream.UploadFile{
		{Path: "proj/a.txt", Content: strings.NewReader("hello")},
		{Path: "proj/empty", Content: strings.NewReader("")},
	}, stream.UploadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer body.Close()
	// Pass contentType and body to an http.Request; here we only count bytes.
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(contentType, "multipart/form-data; boundary="), n > 0)
	// Output: true true
}
