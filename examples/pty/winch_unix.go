//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResize makes ch receive a signal when the terminal window is
// resized.
func notifyResize(ch chan<- os.Signal) { signal.Notify(ch, syscall.SIGWINCH) }
