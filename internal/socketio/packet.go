// Package socketio is the small part of the Engine.IO v4 / Socket.IO v4
// text protocol that Daytona's push channel uses (PROTOCOLS.md 2.6): one
// packet per WebSocket text message, no binary attachments, no long
// polling. The SDK's client (facade) and the emulator's server
// (daytonatest) both frame and parse their packets here.
package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Engine.IO v4 packet types (the first character of a packet).
const (
	Open    byte = '0'
	Close   byte = '1'
	Ping    byte = '2'
	Pong    byte = '3'
	Message byte = '4'
	Upgrade byte = '5'
	Noop    byte = '6'
)

// Socket.IO v4 packet types (the character after an Engine.IO Message).
const (
	Connect      byte = '0'
	Disconnect   byte = '1'
	Event        byte = '2'
	Ack          byte = '3'
	ConnectError byte = '4'
)

// MaxPacket bounds the packets Parse accepts (the Socket.IO server's
// default maxHttpBufferSize is 1e6 bytes).
const MaxPacket = 1 << 20

// Packet is one Engine.IO packet and, for a Message, the Socket.IO packet
// it carries.
type Packet struct {
	// Type is the Engine.IO type: Open, Close, Ping, Pong, Message, ...
	Type byte
	// SocketType is the Socket.IO type of a Message (Connect, Event, ...);
	// zero for other Engine.IO types.
	SocketType byte
	// Namespace is the Socket.IO namespace of a Message, "/" when absent.
	Namespace string
	// AckID is the acknowledgement id of an Event or Ack, -1 when absent.
	AckID int64
	// Data is the JSON payload: the handshake of an Open, the auth or
	// answer of a Connect, the error of a ConnectError, the array of an
	// Event. Empty when the packet has none. For Ping and Pong it is the
	// probe text, if any, which is not JSON.
	Data []byte
}

// ErrMalformed is matched (errors.Is) by every Parse and DecodeEvent error.
var ErrMalformed = errors.New("socketio: malformed packet")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Parse reads one text packet. It checks the framing and that a JSON
// payload is valid JSON; what the payload means is left to the caller.
func Parse(s string) (Packet, error) {
	p := Packet{AckID: -1, Namespace: "/"}
	if len(s) == 0 {
		return p, malformed("empty packet")
	}
	if len(s) > MaxPacket {
		return p, malformed("packet of %d bytes is over the %d byte limit", len(s), MaxPacket)
	}
	p.Type, s = s[0], s[1:]
	switch p.Type {
	case Close, Noop, Upgrade:
		if s != "" {
			return p, malformed("engine packet %q carries data", p.Type)
		}
		return p, nil
	case Ping, Pong:
		if s != "" {
			p.Data = []byte(s)
		}
		return p, nil
	case Open:
		return p, jsonData(&p, s)
	case Message:
	default:
		return p, malformed("unknown engine packet type %q", p.Type)
	}
	if s == "" {
		return p, malformed("empty message")
	}
	p.SocketType, s = s[0], s[1:]
	switch p.SocketType {
	case Connect, Disconnect, Event, Ack, ConnectError:
	default:
		return p, malformed("unknown socket packet type %q", p.SocketType)
	}
	if strings.HasPrefix(s, "/") {
		end := strings.IndexByte(s, ',')
		if end < 0 {
			// "41/ns" and "40/ns" may end right after the namespace.
			p.Namespace, s = s, ""
		} else {
			p.Namespace, s = s[:end], s[end+1:]
		}
	}
	if p.SocketType == Event || p.SocketType == Ack {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n > 18 {
			return p, malformed("ack id of %d digits", n)
		}
		if n > 0 {
			var id int64
			for _, c := range s[:n] {
				id = id*10 + int64(c-'0')
			}
			p.AckID, s = id, s[n:]
		}
	}
	if err := jsonData(&p, s); err != nil {
		return p, err
	}
	if (p.SocketType == Event || p.SocketType == Ack) && (len(p.Data) == 0 || p.Data[0] != '[') {
		return p, malformed("event payload is not an array")
	}
	return p, nil
}

func jsonData(p *Packet, s string) error {
	if s == "" {
		return nil
	}
	if !json.Valid([]byte(s)) {
		return malformed("payload of packet type %q is not JSON", p.Type)
	}
	p.Data = []byte(s)
	return nil
}

// String frames p as a text packet. A Namespace of "" or "/" is left out,
// as is an AckID below zero.
func (p Packet) String() string {
	var b strings.Builder
	b.WriteByte(p.Type)
	if p.Type == Message {
		b.WriteByte(p.SocketType)
		if p.Namespace != "" && p.Namespace != "/" {
			b.WriteString(p.Namespace)
			b.WriteByte(',')
		}
		if p.AckID >= 0 && (p.SocketType == Event || p.SocketType == Ack) {
			fmt.Fprintf(&b, "%d", p.AckID)
		}
	}
	b.Write(p.Data)
	return b.String()
}

// Text returns a packet of engine type t with no payload ("2", "3", "1").
func Text(t byte) string { return string(t) }

// Encode returns the Socket.IO packet of socket type t on the default
// namespace with v, marshalled to JSON, as its payload (nil: none).
func Encode(t byte, v any) (string, error) {
	p := Packet{Type: Message, SocketType: t, AckID: -1}
	if v != nil {
		data, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		p.Data = data
	}
	return p.String(), nil
}

// EncodeEvent returns the event packet 42["name",arg] on the default
// namespace.
func EncodeEvent(name string, arg any) (string, error) {
	return Encode(Event, []any{name, arg})
}

// DecodeEvent splits an Event's payload into its name and first argument
// (nil when there is none).
func DecodeEvent(data []byte) (name string, arg json.RawMessage, err error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return "", nil, malformed("event payload: %v", err)
	}
	if len(parts) == 0 {
		return "", nil, malformed("event without a name")
	}
	if err := json.Unmarshal(parts[0], &name); err != nil {
		return "", nil, malformed("event name is not a string")
	}
	if len(parts) > 1 {
		arg = parts[1]
	}
	return name, arg, nil
}

// Handshake is the payload of the Engine.IO Open packet.
type Handshake struct {
	// SID is the Engine.IO session id.
	SID string `json:"sid"`
	// Upgrades lists the transports the server can upgrade to.
	Upgrades []string `json:"upgrades"`
	// PingInterval is how often the server pings, in milliseconds.
	PingInterval int64 `json:"pingInterval"`
	// PingTimeout is how long the server waits for a pong, in milliseconds.
	PingTimeout int64 `json:"pingTimeout"`
	// MaxPayload is the largest packet the server accepts, in bytes.
	MaxPayload int64 `json:"maxPayload"`
}
