// Package gen is the generator's machinery: the undo log that makes a
// generation call all or nothing (Tx), email local parts in the mix of
// patterns people use (LocalParts), and creation times weighted by weekday
// and hour (CreatedTable), ticket numbers that follow creation time
// (DrawTicket, FormatTicket), and identities that fit an owned mailbox's
// local part (ParseLocal, Fit.Draw). canary.Generator draws names, numbers and tickets
// and keeps them unique with these.
package gen
