// Package gen is the generator's machinery: the undo log that makes a
// generation call all or nothing (Tx), email local parts in the mix of
// patterns people use (LocalParts), and creation times weighted by weekday
// and hour (CreatedTable). canary.Generator draws names, numbers and tickets
// and keeps them unique with these.
package gen
