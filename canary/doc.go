// Package canary generates canary customer records and catches contact with them.
package canary
