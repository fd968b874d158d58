//go:build race

package inbound

// raceEnabled is set under the race detector, which slows byte-at-a-time
// protocol code about twentyfold: storm sizes shrink to keep the suite fast.
const raceEnabled = true
