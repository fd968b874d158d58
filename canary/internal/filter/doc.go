// Package filter holds the keyed hash and the Bloom filter with which a
// persisted registry answers "could this be a seed?" without the keyed HMAC
// of its lookup keys or a trip to the database.
//
// The filter holds only 64-bit keyed hashes ([SipHash] under a key derived
// from the registry's secret): without the key it says nothing about which
// values it admits, and its contents cannot be tested against guesses.
package filter
