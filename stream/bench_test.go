package stream

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// copySink copies what it is given into a reusable buffer, so that the
// baseline and the demuxer both pay for touching every byte.
type copySink struct{ buf [64 << 10]byte }

func (s *copySink) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		p = p[copy(s.buf[:], p):]
	}
	return n, nil
}

// benchLog is a realistic session log: 80-byte lines, 1 in 4 on stderr.
func benchLog(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		m := StdoutMarker
		if i%4 == 3 {
			m = StderrMarker
		}
		fmt.Fprintf(&b, "%s%-76d\n", m, i)
	}
	return b.Bytes()[:size]
}

func BenchmarkDemux(b *testing.B) {
	raw := benchLog(8 << 20)
	for _, frame := range []int{1 << 10, 32 << 10} {
		b.Run(fmt.Sprintf("baseline-copy/frame=%d", frame), func(b *testing.B) {
			sink := &copySink{}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				for p := raw; len(p) > 0; {
					n := min(frame, len(p))
					_, _ = sink.Write(p[:n])
					p = p[n:]
				}
			}
		})
		b.Run(fmt.Sprintf("demux/frame=%d", frame), func(b *testing.B) {
			out, errOut := &copySink{}, &copySink{}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				d := NewDemux(out, errOut)
				for p := raw; len(p) > 0; {
					n := min(frame, len(p))
					if _, err := d.Write(p[:n]); err != nil {
						b.Fatal(err)
					}
					p = p[n:]
				}
				if err := d.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// zeros is a source of n zero bytes that does not allocate.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// onlyWriter hides io.Discard's ReadFrom so the consumer reads with its own
// 32 KiB buffer, as net/http does.
type onlyWriter struct{ io.Writer }

func BenchmarkUploadBody(b *testing.B) {
	const size = 64 << 20
	buf := make([]byte, 32<<10)
	b.Run("baseline-iocopy", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			_, _ = io.CopyBuffer(onlyWriter{io.Discard}, &zeros{size}, buf)
		}
	})
	b.Run("baseline-pipe", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			pr, pw := io.Pipe()
			go func() {
				_, err := io.CopyBuffer(pw, onlyReader{&zeros{size}}, make([]byte, uploadChunk))
				pw.CloseWithError(err)
			}()
			_, _ = io.CopyBuffer(onlyWriter{io.Discard}, pr, buf)
		}
	})
	b.Run("upload-body", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			_, body, err := NewUploadBody([]UploadFile{{Path: "/big.bin", Content: &zeros{size}}}, UploadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.CopyBuffer(onlyWriter{io.Discard}, body, buf)
			_ = body.Close()
		}
	})
}

func BenchmarkDownloadReader(b *testing.B) {
	cases := []struct {
		name  string
		files int
		size  int64
	}{
		{"1x64MiB", 1, 64 << 20},
		{"1000x1KiB", 1000, 1 << 10},
	}
	buf := make([]byte, 32<<10)
	for _, c := range cases {
		var body bytes.Buffer
		w := NewDownloadWriter(&body)
		for i := range c.files {
			if err := w.WriteFile(fmt.Sprintf("/home/daytona/f%d", i), c.size, "", &zeros{c.size}); err != nil {
				b.Fatal(err)
			}
		}
		_ = w.Close()
		raw := body.Bytes()
		b.Run(c.name+"/baseline-iocopy", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = io.CopyBuffer(onlyWriter{io.Discard}, onlyReader{bytes.NewReader(raw)}, buf)
			}
		})
		b.Run(c.name+"/reader", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				for p, err := range DownloadParts(bytes.NewReader(raw), w.ContentType()) {
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.CopyBuffer(onlyWriter{io.Discard}, p, buf)
				}
			}
		})
	}
}
