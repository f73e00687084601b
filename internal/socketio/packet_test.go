package socketio

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Packet
	}{
		{`0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`,
			Packet{Type: Open, Namespace: "/", AckID: -1, Data: []byte(`{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`)}},
		{"1", Packet{Type: Close, Namespace: "/", AckID: -1}},
		{"2", Packet{Type: Ping, Namespace: "/", AckID: -1}},
		{"3probe", Packet{Type: Pong, Namespace: "/", AckID: -1, Data: []byte("probe")}},
		{`40{"token":"x"}`, Packet{Type: Message, SocketType: Connect, Namespace: "/", AckID: -1, Data: []byte(`{"token":"x"}`)}},
		{"40", Packet{Type: Message, SocketType: Connect, Namespace: "/", AckID: -1}},
		{"41", Packet{Type: Message, SocketType: Disconnect, Namespace: "/", AckID: -1}},
		{"41/admin", Packet{Type: Message, SocketType: Disconnect, Namespace: "/admin", AckID: -1}},
		{`44{"message":"Unauthorized"}`, Packet{Type: Message, SocketType: ConnectError, Namespace: "/", AckID: -1, Data: []byte(`{"message":"Unauthorized"}`)}},
		{`42["a",{"b":1}]`, Packet{Type: Message, SocketType: Event, Namespace: "/", AckID: -1, Data: []byte(`["a",{"b":1}]`)}},
		{`42/ns,7["a"]`, Packet{Type: Message, SocketType: Event, Namespace: "/ns", AckID: 7, Data: []byte(`["a"]`)}},
		{`43/ns,12[]`, Packet{Type: Message, SocketType: Ack, Namespace: "/ns", AckID: 12, Data: []byte(`[]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, in := range []string{
		"", "9", "4", "49", "0{", `42{"a":1}`, "42", `42["a"`, "1x", "6data",
		`42123456789012345678901["a"]`, `40{"token":}`,
	} {
		t.Run(in, func(t *testing.T) {
			_, err := Parse(in)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	ev, err := EncodeEvent("sandbox.state.updated", map[string]any{"newState": "started"})
	require.NoError(t, err)
	assert.Equal(t, `42["sandbox.state.updated",{"newState":"started"}]`, ev)
	p, err := Parse(ev)
	require.NoError(t, err)
	name, arg, err := DecodeEvent(p.Data)
	require.NoError(t, err)
	assert.Equal(t, "sandbox.state.updated", name)
	assert.JSONEq(t, `{"newState":"started"}`, string(arg))

	c, err := Encode(Connect, map[string]string{"token": "t"})
	require.NoError(t, err)
	assert.Equal(t, `40{"token":"t"}`, c)
	c, err = Encode(Disconnect, nil)
	require.NoError(t, err)
	assert.Equal(t, "41", c)
	assert.Equal(t, "3", Text(Pong))
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		arg     string
		wantErr bool
	}{
		{in: `["x"]`, name: "x"},
		{in: `["x",1,2]`, name: "x", arg: "1"},
		{in: `[]`, wantErr: true},
		{in: `[1]`, wantErr: true},
		{in: `{}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, arg, err := DecodeEvent([]byte(tt.in))
			if tt.wantErr {
				require.ErrorIs(t, err, ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.arg, string(arg))
		})
	}
}

// FuzzParse: Parse never panics, accepts only what it can frame again,
// and a Message it accepts re-parses to the same packet.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`,
		"1", "2", "3", "6", `40{"token":"x"}`, `40{"sid":"s"}`, "41", `44{"message":"Unauthorized"}`,
		`42["sandbox.state.updated",{"sandbox":{"id":"x"},"oldState":"starting","newState":"started"}]`,
		`42/ns,7["a"]`, `43/ns,12[]`, "41/admin", "", "4", "42", "0{",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(p.String())
		require.NoError(t, err, "re-parsing %q", p.String())
		assert.Equal(t, p, again)
		if p.Type == Message && p.SocketType == Event {
			_, _, _ = DecodeEvent(p.Data)
		}
		if p.Type == Open {
			var h Handshake
			_ = json.Unmarshal(p.Data, &h)
		}
	})
}
