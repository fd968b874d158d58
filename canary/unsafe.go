package canary

import "unsafe"

// This is the one file of package canary that uses unsafe: views that spare
// the matcher a copy of every candidate it reads. The contracts they rely on:
//
//   - bytesOf: the bytes of a string are never written. The matcher only reads
//     the text of an event through the view.
//   - stringOf: the bytes stay unchanged while the string is in use. The matcher
//     hands such strings to Registry.Lookup, whose contract forbids retaining
//     value past the call; canarytest.TestRegistry's LookupRetainsNoValue holds
//     every Registry to it. Within the package, a view is used only until its
//     buffer is next written.

// bytesOf returns the bytes of s without copying; they must not be written.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// stringOf returns b as a string without copying, valid while b is unchanged.
func stringOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
