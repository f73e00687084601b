//go:build race

package daytona_test

// raceEnabled reports a build with the race detector, which slows
// byte-at-a-time loops down a lot.
const raceEnabled = true
