package stream

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveSplit is an independent, byte-at-a-time oracle for the demuxer.
func naiveSplit(b []byte) (stdout, stderr []byte) {
	toErr := false
	for i := 0; i < len(b); {
		if c := b[i]; (c == 1 || c == 2) && i+2 < len(b) && b[i+1] == c && b[i+2] == c {
			toErr = c == 2
			i += 3
			continue
		}
		if toErr {
			stderr = append(stderr, b[i])
		} else {
			stdout = append(stdout, b[i])
		}
		i++
	}
	return stdout, stderr
}

// feedChunks writes raw to a new Demux in chunks of the given sizes (cycled;
// 0 means an empty Write) and returns what each stream received.
func feedChunks(t testing.TB, raw []byte, sizes []int) (stdout, stderr []byte) {
	var o, e bytes.Buffer
	d := NewDemux(&o, &e)
	for i := 0; len(raw) > 0; i++ {
		n := len(raw)
		if len(sizes) > 0 {
			n = min(sizes[i%len(sizes)], len(raw))
		}
		if w, err := d.Write(raw[:n]); err != nil || w != n {
			t.Fatalf("Write = %d, %v; want %d, nil", w, err, n)
		}
		raw = raw[n:]
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return o.Bytes(), e.Bytes()
}

func TestSplitLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		raw            string
		stdout, stderr string
	}{
		{name: "empty"},
		{name: "observed one-shot log (5.5)",
			raw:    "\x01\x01\x01tick1\n\x02\x02\x02warn1\n\x01\x01\x01tick2\n\x02\x02\x02warn2\n\x01\x01\x01tick3\n\x02\x02\x02warn3\n\x01\x01\x01nonl\n",
			stdout: "tick1\ntick2\ntick3\nnonl\n", stderr: "warn1\nwarn2\nwarn3\n"},
		{name: "no markers goes to stdout", raw: "out\nerr\n", stdout: "out\nerr\n"},
		{name: "bytes before the first marker go to stdout", raw: "pre\x02\x02\x02e\n", stdout: "pre", stderr: "e\n"},
		{name: "marker switches mid-line", raw: "\x02\x02\x02a\x01\x01\x01b", stdout: "b", stderr: "a"},
		{name: "lone and paired marker bytes are data", raw: "\x01a\x01\x01b\x02\x02", stdout: "\x01a\x01\x01b\x02\x02"},
		{name: "four marker bytes: marker then data", raw: "\x02\x02\x02\x02x", stderr: "\x02x"},
		{name: "six marker bytes: two markers", raw: "\x02\x02\x02\x02\x02\x02x", stderr: "x"},
		{name: "mixed marker bytes are data", raw: "\x01\x02\x01\x02\x02\x02y", stdout: "\x01\x02\x01", stderr: "y"},
		{name: "trailing partial marker is data", raw: "\x02\x02\x02e\x01\x01", stderr: "e\x01\x01"},
		{name: "empty lines", raw: "\x01\x01\x01\n\x02\x02\x02\n", stdout: "\n", stderr: "\n"},
		{name: "utf-8 passes unchanged", raw: "\x01\x01\x01h\xc3\xa9llo \xe2\x82\xac\n", stdout: "h\u00e9llo \u20ac\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, e := SplitLogs([]byte(tt.raw))
			assert.Equal(t, tt.stdout, string(o), "stdout")
			assert.Equal(t, tt.stderr, string(e), "stderr")
			no, ne := naiveSplit([]byte(tt.raw))
			assert.Equal(t, string(no), string(o), "oracle stdout")
			assert.Equal(t, string(ne), string(e), "oracle stderr")
			// Every chunking gives the same result.
			for _, sizes := range [][]int{{1}, {2}, {3}, {1, 2}, {2, 1, 0}, {4}, {5, 1}} {
				co, ce := feedChunks(t, []byte(tt.raw), sizes)
				assert.Equal(t, tt.stdout, string(co), "stdout, chunks %v", sizes)
				assert.Equal(t, tt.stderr, string(ce), "stderr, chunks %v", sizes)
			}
		})
	}
}

func TestDemuxMarkerSplitAtEveryOffset(t *testing.T) {
	t.Parallel()
	raw := []byte("\x01\x01\x01out1\n\x02\x02\x02err1\n\x01\x01\x01out2\n\x02\x02\x02\xe2\x82\xac\n")
	wantO, wantE := "out1\nout2\n", "err1\n\u20ac\n"
	for i := range len(raw) + 1 {
		for j := i; j <= len(raw); j++ {
			var o, e bytes.Buffer
			d := NewDemux(&o, &e)
			for _, part := range [][]byte{raw[:i], raw[i:j], raw[j:]} {
				_, err := d.Write(part)
				require.NoError(t, err)
			}
			require.NoError(t, d.Close())
			require.Equal(t, wantO, o.String(), "cuts %d,%d", i, j)
			require.Equal(t, wantE, e.String(), "cuts %d,%d", i, j)
		}
	}
}

func TestDemuxHoldsPartialMarkerUntilDecided(t *testing.T) {
	t.Parallel()
	var o, e bytes.Buffer
	d := NewDemux(&o, &e)
	_, err := d.Write([]byte("\x01\x01\x01abc\x02\x02"))
	require.NoError(t, err)
	assert.Equal(t, "abc", o.String(), "the two trailing bytes are held")
	_, err = d.Write([]byte("\x02def"))
	require.NoError(t, err)
	assert.Equal(t, "abc", o.String())
	assert.Equal(t, "def", e.String())
	_, err = d.Write([]byte("\x01"))
	require.NoError(t, err)
	assert.Equal(t, "def", e.String())
	require.NoError(t, d.Close())
	assert.Equal(t, "def\x01", e.String(), "Close delivers the held byte")
	_, err = d.Write([]byte("x"))
	require.ErrorIs(t, err, ErrClosed)
	require.NoError(t, d.Close(), "second Close is a no-op")
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestDemuxDestinationErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		stdout  io.Writer
		stderr  io.Writer
		raw     string
		wantErr error
	}{
		{name: "stderr fails", stderr: failWriter{boom}, raw: "\x02\x02\x02x", wantErr: boom},
		{name: "stdout fails", stdout: failWriter{boom}, raw: "x", wantErr: boom},
		{name: "short write", stdout: shortWriter{}, raw: "xyz", wantErr: io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var o, e bytes.Buffer
			d := NewDemux(pick(tt.stdout, &o), pick(tt.stderr, &e))
			n, err := d.Write([]byte(tt.raw))
			require.ErrorIs(t, err, tt.wantErr)
			assert.Zero(t, n)
			_, err = d.Write([]byte("more"))
			require.ErrorIs(t, err, tt.wantErr, "errors are sticky")
			require.ErrorIs(t, d.Close(), tt.wantErr)
		})
	}
}

func pick(w io.Writer, def *bytes.Buffer) io.Writer {
	if w == nil {
		return def
	}
	return w
}

func TestDemuxNilDestinationsDiscard(t *testing.T) {
	t.Parallel()
	var e bytes.Buffer
	d := NewDemux(nil, &e)
	_, err := d.Write([]byte("\x01\x01\x01dropped\x02\x02\x02kept"))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	assert.Equal(t, "kept", e.String())
}

func TestDemuxCloseFlushesDestinations(t *testing.T) {
	t.Parallel()
	var o, e bytes.Buffer
	bo, be := bufio.NewWriter(&o), bufio.NewWriter(&e)
	d := NewDemux(bo, be)
	_, err := d.Write([]byte("\x01\x01\x01out\n\x02\x02\x02err\n"))
	require.NoError(t, err)
	assert.Empty(t, o.String(), "still in the bufio.Writer")
	require.NoError(t, d.Close())
	assert.Equal(t, "out\n", o.String())
	assert.Equal(t, "err\n", e.String())
}

func TestDemuxWithTextWriters(t *testing.T) {
	t.Parallel()
	// A 3-byte character split across frames on both streams, and a marker
	// split across frames.
	frames := []string{"\x01\x01\x01a\xe2", "\x82\xac\n\x02", "\x02\x02\xf0\x9f", "\x98\x80\n\x01\x01\x01\xe2\x82"}
	var outs, errs []string
	d := NewDemux(
		NewTextWriter(func(s string) { outs = append(outs, s) }),
		NewTextWriter(func(s string) { errs = append(errs, s) }),
	)
	for _, f := range frames {
		_, err := d.Write([]byte(f))
		require.NoError(t, err)
	}
	require.NoError(t, d.Close())
	for _, s := range append(append([]string(nil), outs...), errs...) {
		assert.True(t, utf8.ValidString(s), "%q", s)
		assert.NotEmpty(t, s)
	}
	assert.Equal(t, "a\u20ac\n\ufffd", strings.Join(outs, ""), "the cut final character becomes one U+FFFD")
	assert.Equal(t, "\U0001F600\n", strings.Join(errs, ""))
}

func TestTextWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "ascii", in: "hello", want: "hello"},
		{name: "multibyte", in: "h\u00e9 \u20ac \U0001F600", want: "h\u00e9 \u20ac \U0001F600"},
		{name: "invalid byte", in: "a\xffb", want: "a\ufffdb"},
		{name: "invalid sequence, one U+FFFD per byte", in: "a\xe2\x82b", want: "a\ufffd\ufffdb"},
		{name: "cut at the end", in: "a\xf0\x9f\x98", want: "a\ufffd"},
		{name: "start byte after start byte", in: "\xe2\xe2\x82\xac", want: "\ufffd\u20ac"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, size := range []int{1, 2, 3, 5, len(tt.in) + 1} {
				var got strings.Builder
				tw := NewTextWriter(func(s string) {
					assert.NotEmpty(t, s)
					got.WriteString(s)
				})
				for in := []byte(tt.in); len(in) > 0; {
					n := min(size, len(in))
					w, err := tw.Write(in[:n])
					require.NoError(t, err)
					require.Equal(t, n, w)
					in = in[n:]
				}
				require.NoError(t, tw.Flush())
				assert.Equal(t, tt.want, got.String(), "chunk size %d", size)
			}
		})
	}
}

func TestLineFramer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stream Stream
		writes []string
		want   string
	}{
		{name: "lines", stream: Stdout, writes: []string{"a\nb\n"}, want: "\x01\x01\x01a\n\x01\x01\x01b\n"},
		{name: "line split over writes", stream: Stderr, writes: []string{"ab", "c\nd", "e\n"}, want: "\x02\x02\x02abc\n\x02\x02\x02de\n"},
		{name: "final line without newline gets one", stream: Stdout, writes: []string{"x\nnonl"}, want: "\x01\x01\x01x\n\x01\x01\x01nonl\n"},
		{name: "empty line", stream: Stdout, writes: []string{"\n"}, want: "\x01\x01\x01\n"},
		{name: "nothing", stream: Stdout, writes: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			f := NewLineFramer(&buf, tt.stream)
			for _, w := range tt.writes {
				n, err := f.Write([]byte(w))
				require.NoError(t, err)
				require.Equal(t, len(w), n)
			}
			require.NoError(t, f.Close())
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

func TestLineFramerRoundTripsThroughDemux(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3*maxSegment+17) // split into marked segments
	outText := "first\n" + long + "\nlast without newline"
	errText := "e1\n\ne3\n"
	var log bytes.Buffer
	fo, fe := NewLineFramer(&log, Stdout), NewLineFramer(&log, Stderr)
	_, err := fo.Write([]byte(outText[:10]))
	require.NoError(t, err)
	_, err = fe.Write([]byte(errText))
	require.NoError(t, err)
	_, err = fo.Write([]byte(outText[10:]))
	require.NoError(t, err)
	require.NoError(t, fo.Close())
	require.NoError(t, fe.Close())
	o, e := SplitLogs(log.Bytes())
	assert.Equal(t, outText+"\n", string(o), "only the final newline is added")
	assert.Equal(t, errText, string(e))
}

func TestStreamNames(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "stdout", Stdout.String())
	assert.Equal(t, "stderr", Stderr.String())
	assert.Equal(t, "Stream(7)", Stream(7).String())
	assert.Equal(t, StdoutMarker, Stdout.Marker())
	assert.Equal(t, StderrMarker, Stderr.Marker())
}

func FuzzDemux(f *testing.F) {
	f.Add([]byte("\x01\x01\x01tick1\n\x02\x02\x02warn1\n\x01\x01\x01nonl\n"), []byte{1, 2, 3})
	f.Add([]byte("\x01\x01\x01\x01\x02\x02\x02\x02\x02"), []byte{1})
	f.Add([]byte("plain text"), []byte{0, 4})
	f.Add([]byte("\x02\x02"), []byte{1, 1})
	f.Add([]byte("\x01\x01\x01a\xe2\x82\xac\x02\x02\x02\xf0\x9f\x98\x80"), []byte{5, 2})
	f.Fuzz(func(t *testing.T, raw, cuts []byte) {
		if len(raw) > 16<<10 || len(cuts) > 64 {
			t.Skip("chunking bugs do not need large inputs")
		}
		o, e := SplitLogs(raw)
		no, ne := naiveSplit(raw)
		require.Equal(t, no, nonNil(o), "stdout differs from the oracle")
		require.Equal(t, ne, nonNil(e), "stderr differs from the oracle")
		require.LessOrEqual(t, len(o)+len(e), len(raw))
		sizes := make([]int, len(cuts))
		for i, c := range cuts {
			sizes[i] = int(c % 9) // 0 = empty write
		}
		if len(sizes) > 0 && allZero(sizes) {
			sizes = append(sizes, 1)
		}
		co, ce := feedChunks(t, raw, sizes)
		require.Equal(t, string(o), string(co), "stdout depends on chunking")
		require.Equal(t, string(e), string(ce), "stderr depends on chunking")
	})
}

func nonNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func allZero(s []int) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

func FuzzTextWriter(f *testing.F) {
	f.Add([]byte("h\xc3\xa9llo \xe2\x82\xac"), uint8(1))
	f.Add([]byte("\xe2\xe2\x82\xac\xff\xf0\x9f"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		if len(in) > 16<<10 {
			t.Skip("chunking bugs do not need large inputs")
		}
		n := int(size%7) + 1
		var whole, chunked strings.Builder
		tw := NewTextWriter(func(s string) { whole.WriteString(s) })
		_, _ = tw.Write(in)
		_ = tw.Flush()
		tc := NewTextWriter(func(s string) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 delivered: %q", s)
			}
			chunked.WriteString(s)
		})
		for p := in; len(p) > 0; {
			k := min(n, len(p))
			_, _ = tc.Write(p[:k])
			p = p[k:]
		}
		_ = tc.Flush()
		require.Equal(t, whole.String(), chunked.String())
		if utf8.Valid(in) {
			require.Equal(t, string(in), whole.String())
		}
	})
}

func TestDemuxUncomparableDestinations(t *testing.T) {
	t.Parallel()
	var got []byte
	w := writerFunc(func(p []byte) (int, error) { got = append(got, p...); return len(p), nil })
	d := NewDemux(w, w) // func types cannot be compared: must not panic
	_, err := d.Write([]byte("\x01\x01\x01a\x02\x02\x02b\x01"))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	assert.Equal(t, "ab\x01", string(got))
}
