package charts

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Scalar is a JSON number or string. Axis ticks, point coordinates and bar
// values take this shape on the wire: numeric axes carry numbers, datetime and
// categorical axes carry strings, and the daemon's own type for bar values is
// a string while the matplotlib hook emits a number.
//
// The zero Scalar stands for JSON null (or an absent value).
type Scalar struct {
	kind scalarKind
	num  float64
	str  string
}

type scalarKind uint8

const (
	scalarNull scalarKind = iota
	scalarNumber
	scalarText
)

// Number returns a Scalar holding the number f.
func Number(f float64) Scalar { return Scalar{kind: scalarNumber, num: f} }

// Text returns a Scalar holding the string s.
func Text(s string) Scalar { return Scalar{kind: scalarText, str: s} }

// IsZero reports whether s is the zero Scalar, that is JSON null or absent.
// Number(0) and Text("") are not zero.
func (s Scalar) IsZero() bool { return s.kind == scalarNull }

// IsNumber reports whether s holds a JSON number.
func (s Scalar) IsNumber() bool { return s.kind == scalarNumber }

// Float returns the number s holds. A string that [strconv.ParseFloat]
// accepts (such as a bar value "3.5") also yields its value. ok is false for
// null and for other strings (such as a date).
func (s Scalar) Float() (f float64, ok bool) {
	switch s.kind {
	case scalarNumber:
		return s.num, true
	case scalarText:
		f, err := strconv.ParseFloat(s.str, 64)
		return f, err == nil
	}
	return 0, false
}

// Text returns the string s holds; ok is false unless s holds a JSON string.
func (s Scalar) Text() (text string, ok bool) {
	return s.str, s.kind == scalarText
}

// String formats s for display: a number in the shortest exact form, a string
// as is, and null as "null".
func (s Scalar) String() string {
	switch s.kind {
	case scalarNumber:
		return strconv.FormatFloat(s.num, 'g', -1, 64)
	case scalarText:
		return s.str
	}
	return "null"
}

// MarshalJSON encodes s as a JSON number, string or null.
func (s Scalar) MarshalJSON() ([]byte, error) {
	switch s.kind {
	case scalarNumber:
		return json.Marshal(s.num)
	case scalarText:
		return json.Marshal(s.str)
	}
	return []byte("null"), nil
}

// errScalar is returned for JSON that is neither a number, a string nor null.
var errScalar = errors.New("value is not a number, a string or null")

// UnmarshalJSON decodes a JSON number, string or null; anything else is an
// error.
func (s *Scalar) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return errScalar
	case string(data) == "null":
		*s = Scalar{}
		return nil
	case data[0] == '"':
		var str string
		if err := json.Unmarshal(data, &str); err != nil {
			return err
		}
		*s = Text(str)
		return nil
	case data[0] == '-' || (data[0] >= '0' && data[0] <= '9'):
		var f float64
		if err := json.Unmarshal(data, &f); err != nil {
			return err
		}
		*s = Number(f)
		return nil
	}
	return errScalar
}
