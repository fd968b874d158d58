package find

import "unsafe"

// This is the one file of the package that uses unsafe. The contract it relies
// on: norm's Append functions read their string argument during the call and
// keep no reference to it, so a view of the text being searched, which is not
// written while the Finder runs, spares a copy of every candidate.

// stringOf returns b as a string without copying, valid while b is unchanged.
func stringOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
