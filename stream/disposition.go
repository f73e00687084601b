package stream

import (
	"strings"
	"unicode/utf8"
)

// parseDisposition parses a Content-Disposition value into its type and
// parameters (keys lower-cased, first occurrence wins). It is lenient: it
// stops at the first malformed parameter and returns what it has.
func parseDisposition(v string) (typ string, params map[string]string) {
	params = map[string]string{}
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return strings.ToLower(strings.TrimSpace(v)), params
	}
	typ, v = strings.ToLower(strings.TrimSpace(v[:i])), v[i:]
	for {
		v = strings.TrimLeft(v, " \t")
		if !strings.HasPrefix(v, ";") {
			return typ, params
		}
		v = strings.TrimLeft(v[1:], " \t")
		eq := strings.IndexByte(v, '=')
		if eq <= 0 {
			return typ, params
		}
		key := strings.ToLower(strings.TrimSpace(v[:eq]))
		v = strings.TrimLeft(v[eq+1:], " \t")
		var val string
		var ok bool
		if strings.HasPrefix(v, `"`) {
			val, v, ok = consumeQuoted(v)
			if !ok {
				return typ, params
			}
		} else {
			end := strings.IndexAny(v, "; \t")
			if end < 0 {
				end = len(v)
			}
			val, v = v[:end], v[end:]
		}
		if _, dup := params[key]; !dup {
			params[key] = val
		}
	}
}

// consumeQuoted reads a quoted-string at the start of v (which begins with
// '"'), undoing backslash escapes.
func consumeQuoted(v string) (val, rest string, ok bool) {
	if end := strings.IndexAny(v[1:], `"\\`); end >= 0 && v[1+end] == '"' {
		return v[1 : 1+end], v[2+end:], true // no escapes: no copy
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			return b.String(), v[i+1:], true
		case '\\':
			if i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", v, false
}

// dispositionPath returns the path a bulk-download part is about: the
// RFC 5987 "filename*" when it decodes, else "filename" (read as Latin-1
// when it is not valid UTF-8).
func dispositionPath(params map[string]string) string {
	if ext, ok := params["filename*"]; ok {
		if p, ok := decodeExtValue(ext); ok {
			return p
		}
	}
	name := params["filename"]
	if !utf8.ValidString(name) {
		return latin1ToUTF8(name)
	}
	return name
}

// decodeExtValue decodes an RFC 5987 ext-value: charset'language'pct-value.
// UTF-8 values are returned as their raw bytes (a sandbox path need not be
// valid UTF-8); ISO-8859-1 values are converted to UTF-8.
func decodeExtValue(v string) (string, bool) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", false
	}
	_, rest, ok = strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	raw, ok := percentDecode(rest)
	if !ok {
		return "", false
	}
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii":
		return raw, true
	case "iso-8859-1":
		return latin1ToUTF8(raw), true
	}
	return "", false
}

func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func latin1ToUTF8(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// formatDisposition writes the Content-Disposition of a bulk-download part
// as the daemon does: a Latin-1-safe "filename" and a lossless "filename*".
func formatDisposition(name, path string) string {
	var b strings.Builder
	b.WriteString(`form-data; name="`)
	b.WriteString(name)
	b.WriteString(`"; filename="`)
	for _, r := range path { // invalid bytes arrive as U+FFFD and become '_'
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r > 0xff:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(`"; filename*=utf-8''`)
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(path); i++ {
		c := path[i]
		if isAttrChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// isAttrChar reports whether c may appear unencoded in an RFC 5987 value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
