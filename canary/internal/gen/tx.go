package gen

// Tx is the undo log of one generation call: claims are made in place and
// undone by Rollback, so a failed call leaves the generator as it was. Reset
// empties it for the next call, keeping the capacity of its logs.
type Tx struct {
	sets  []setClaim
	uses  []useClaim
	other []func() // rare claims (a number to a placement)
}

type setClaim struct {
	set map[uint64]struct{}
	key uint64
}

type useClaim struct {
	uses  *int
	words *[]uint64
	n     int // len(*words) before the claim
}

// Reset empties the log.
func (tx *Tx) Reset() {
	tx.sets, tx.uses, tx.other = tx.sets[:0], tx.uses[:0], tx.other[:0]
}

// ClaimSet adds key to set, to be removed on rollback.
func (tx *Tx) ClaimSet(set map[uint64]struct{}, key uint64) {
	set[key] = struct{}{}
	tx.sets = append(tx.sets, setClaim{set, key})
}

// Use counts one more user in *uses and appends add to *words, both undone on
// rollback.
func (tx *Tx) Use(uses *int, words *[]uint64, add []uint64) {
	tx.uses = append(tx.uses, useClaim{uses, words, len(*words)})
	*uses++
	*words = append(*words, add...)
}

// OnRollback registers undo to run on rollback, after the claims made later.
func (tx *Tx) OnRollback(undo func()) { tx.other = append(tx.other, undo) }

// Rollback undoes every claim, latest first.
func (tx *Tx) Rollback() {
	for i := len(tx.other) - 1; i >= 0; i-- {
		tx.other[i]()
	}
	for i := len(tx.uses) - 1; i >= 0; i-- {
		u := tx.uses[i]
		*u.uses--
		*u.words = (*u.words)[:u.n]
	}
	for _, c := range tx.sets {
		delete(c.set, c.key)
	}
}
