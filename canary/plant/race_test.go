//go:build race

package plant

// raceEnabled is set under the race detector, which slows the audit's
// arithmetic about fifteenfold: the audits of whole realistic tables, which
// start no goroutine, skip then and run in CI without it.
const raceEnabled = true
