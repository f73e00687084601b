// Package stream holds the streaming primitives of the Daytona SDK: the
// session log demultiplexer and its framing, incremental UTF-8 text
// delivery, the multipart bodies of the toolbox's bulk file endpoints
// (a streaming upload writer and a streaming download reader, plus the
// server-side download writer the emulator uses), and the followers that
// read a session log WebSocket or a chunked HTTP log body until the stream
// ends; and the client ends of the toolbox's interactive WebSockets: a PTY
// connection (PTYConn, an io.ReadWriteCloser with control messages and exit
// codes) and a code-interpreter run (RunInterpreter).
//
// Everything here works in constant memory whatever the size of the data:
// nothing buffers a whole file or a whole log.
//
// Unless a type says otherwise, a value is meant for use by one goroutine
// at a time.
package stream
