//go:build !unix

package main

import "os"

// notifyResize does nothing where there is no SIGWINCH: the remote terminal
// keeps its first size.
func notifyResize(chan<- os.Signal) {}
