package sqlstore

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/internal/filter"
	"github.com/honeyseed/honeyseed/canary/internal/find"
	"github.com/honeyseed/honeyseed/canary/internal/memindex"
)

// index maps the MACs of lookup keys and IDs to the seq of the seed rows that
// carry them, so that a Lookup that finds nothing never reaches the database.
// It holds only what the tables hold, minus the sealed seeds. In front of the
// maps, a Bloom filter of the keys' tags (keyed SipHash, see keySet.tag)
// turns away almost every value that is no key before its HMAC is computed.
//
// Add reserves its batch in the index while its transaction runs: entries
// above visible are pending, invisible to readers, and either become visible
// at once when the transaction commits or are removed when it fails. The
// index thus doubles as the duplicate check of the batch, and publishing a
// million seeds costs nothing after the commit.
type index struct {
	mu     sync.RWMutex
	ks     *keySet          // the keys every MAC here was made with; Rotate swaps both
	keys   macTable         // lookup key → first seq with it
	more   map[mac][]uint32 // further seqs sharing a key (phone numbers), in order added
	ids    macTable         // ID → seq
	filter *filter.Bloom    // tags of every key indexed, pending included; refitFilterLocked rebuilds it larger from the database
	// unfiltered: a row has no tags (written before there were filters), so
	// the filter cannot rule anything out. Open fills them in.
	unfiltered bool
	last       int64 // highest seq indexed, pending included
	visible    int64 // highest seq readers see; the refresher polls for more
	count      int   // seeds visible

	// probe is ks, filter and unfiltered as of the last change, for
	// mayHold: a scan asks it for every candidate from every core, and the
	// read lock's shared counter would cost more than the answer.
	probe atomic.Pointer[probe]
}

type probe struct {
	ks     *keySet
	filter *filter.Bloom
	open   bool // unfiltered
}

func newIndex(ks *keySet) *index {
	x := &index{ks: ks, more: make(map[mac][]uint32), filter: filter.NewBloom(0)}
	x.setProbeLocked()
	return x
}

// setProbeLocked publishes ks, filter and unfiltered to mayHold. The caller
// holds mu (or is the index's only user).
func (x *index) setProbeLocked() {
	if p := x.probe.Load(); p == nil || p.ks != x.ks || p.filter != x.filter || p.open != x.unfiltered {
		x.probe.Store(&probe{ks: x.ks, filter: x.filter, open: x.unfiltered})
	}
}

// mayHold reports whether a lookup of normalized in field f could find a
// seed: false only when the filter rules it out. It takes no lock; a value
// added meanwhile may or may not be admitted yet, as with a Lookup that
// runs just before the Add.
func (x *index) mayHold(f canary.Field, normalized []byte) bool {
	p := x.probe.Load()
	if p.open {
		return true
	}
	// A view, not a copy: tag only hashes it, and a scan asks this for
	// most digit runs of a dump.
	t, ok := p.ks.tag(f, unsafe.String(unsafe.SliceData(normalized), len(normalized)))
	return ok && p.filter.Contains(t)
}

// shapeProbe is the index as the matcher's find.Prober.
type shapeProbe index

func (p *shapeProbe) MayHold(f find.Field, normalized []byte) bool {
	return (*index)(p).mayHold(canary.Field(f), normalized)
}

// growFor makes room for n more seeds at once when the index is empty, so
// that loading a large database does not rehash the maps as they grow.
func (x *index) growFor(n int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids.len() > 0 || n <= 0 {
		return
	}
	x.ids = newMACTable(n)
	x.keys = newMACTable(2 * n)       // an email and a ticket each; phone numbers are mostly shared
	x.filter = filter.NewBloom(4 * n) // three keys a seed at most, and room for a third more seeds
	x.setProbeLocked()
}

// roomFor grows the tables at once for n more seeds (an ID, and two keys as
// in growFor), rather than doubling as a large batch fills them.
func (x *index) roomFor(n int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids.reserve(x.ids.len() + n)
	x.keys.reserve(x.keys.len() + 2*n)
}

// entry is one seed row as the index sees it.
type entry struct {
	seq  int64
	id   mac
	keys []mac
	tags []uint64 // nil: the row has none
}

// publishBatch bounds how long one publish holds the write lock (about a
// millisecond), so that loading a million seeds never stalls lookups for long.
const publishBatch = memindex.PublishBatch

// publish adds committed entries, which must be in seq order and newer than
// x.last, with no batch pending.
func (x *index) publish(entries []entry) {
	for lo := 0; lo < len(entries); lo += publishBatch {
		hi := min(lo+publishBatch, len(entries))
		x.mu.Lock()
		for _, e := range entries[lo:hi] {
			x.insertLocked(e.seq, e.id, e.keys, e.tags)
			x.visible, x.count = e.seq, x.count+1
		}
		x.mu.Unlock()
	}
}

// reserveLocked adds r as pending at seq, after x.last, unless its ID or a
// key other than its phone number is already indexed, pending or visible: then
// it returns the seq holding it and which field (zero for the ID) clashed.
func (x *index) reserveLocked(seq int64, r *sealedSeed) (clash int64, field canary.Field) {
	if other, ok := x.ids.get(r.idMAC); ok {
		return other, 0
	}
	for i, k := range r.keys[:r.n] {
		if r.fields[i] == canary.FieldPhone {
			continue
		}
		if other, ok := x.keys.get(k); ok {
			return other, r.fields[i]
		}
	}
	x.insertLocked(seq, r.idMAC, r.keys[:r.n], r.tags[:r.n])
	return 0, 0
}

func (x *index) insertLocked(seq int64, id mac, keys []mac, tags []uint64) {
	if tags == nil {
		x.unfiltered = true
	}
	for _, t := range tags {
		x.filter.AddShared(t) // mayHold may be probing it
	}
	x.setProbeLocked()
	x.ids.put(id, seq)
	x.insertKeysLocked(seq, keys)
	x.last = max(x.last, seq)
}

func (x *index) insertKeysLocked(seq int64, keys []mac) {
	for _, k := range keys {
		x.insertKeyLocked(seq, k)
	}
}

func (x *index) insertKeyLocked(seq int64, k mac) {
	if _, fresh := x.keys.putNew(k, seq); !fresh {
		x.more[k] = append(x.more[k], uint32(seq))
	}
}

// filterLoad reports how many tags the filter holds, and how many it was
// sized for.
func (x *index) filterLoad() (n, limit int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.filter.Len(), x.filter.Limit()
}

// setFilter swaps in f, which holds every tag indexed.
func (x *index) setFilter(f *filter.Bloom) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.filter = f
	x.setProbeLocked()
}

// commit makes the pending entries up to last visible.
func (x *index) commit(last int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.count += int(last - x.visible)
	x.visible = last
}

// abandonLocked removes the pending entry r at seq. Entries must be removed
// newest first, so that each is the last of any list it shares.
func (x *index) abandonLocked(seq int64, r *sealedSeed) {
	if got, _ := x.ids.get(r.idMAC); got == seq {
		x.ids.delete(r.idMAC)
	}
	for _, k := range r.keys[:r.n] {
		if more := x.more[k]; len(more) > 0 && int64(more[len(more)-1]) == seq {
			if len(more) == 1 {
				delete(x.more, k)
			} else {
				x.more[k] = more[:len(more)-1]
			}
		} else if got, _ := x.keys.get(k); got == seq {
			x.keys.delete(k)
		}
	}
	x.last = min(x.last, seq-1)
}

// abandonAfterLocked removes every pending entry, those after seq, by
// sweeping the tables: for a failed batch too large to have kept its rows.
func (x *index) abandonAfterLocked(seq int64) {
	x.ids.deleteAbove(seq)
	x.keys.deleteAbove(seq)
	for k, more := range x.more {
		n := len(more)
		for n > 0 && int64(more[n-1]) > seq { // in seq order: pending ones last
			n--
		}
		if n == 0 {
			delete(x.more, k)
		} else {
			x.more[k] = more[:n]
		}
	}
	x.last = min(x.last, seq)
}

// unfilteredNow reports whether some row indexed has no tags.
func (x *index) unfilteredNow() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.unfiltered
}

// keySet returns the keys the index is made with.
func (x *index) keySet() *keySet {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.ks
}

// find computes the MAC of a lookup and appends the seqs of the seeds indexed
// under it to dst, with the keys used: in one critical section, so that a
// concurrent Rotate cannot pair new keys with the old index. A value the
// filter does not admit costs its tag, not its MAC.
func (x *index) find(f canary.Field, normalized string, dst []int64) (*keySet, mac, []int64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	t, ok := x.ks.tag(f, normalized)
	if !ok || !x.unfiltered && !x.filter.Contains(t) {
		return x.ks, mac{}, dst
	}
	k, _ := x.ks.keyMAC(f, normalized)
	return x.ks, k, x.seqsLocked(k, dst)
}

func (x *index) seqsLocked(k mac, dst []int64) []int64 {
	first, ok := x.keys.get(k)
	if !ok || first > x.visible {
		return dst
	}
	dst = append(dst, first)
	for _, seq := range x.more[k] { // in seq order: pending ones come last
		if int64(seq) > x.visible {
			break
		}
		dst = append(dst, int64(seq))
	}
	return dst
}

func (x *index) seqOfID(id mac) (int64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	seq, ok := x.ids.get(id)
	return seq, ok && seq <= x.visible
}

func (x *index) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.count
}

// visibleSeq returns the highest seq readers see: with no batch pending, the
// highest indexed.
func (x *index) visibleSeq() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.visible
}

// replace swaps in the contents of y (after Rotate re-keyed every row).
func (x *index) replace(y *index) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ks, x.keys, x.more, x.ids = y.ks, y.keys, y.more, y.ids
	x.filter, x.unfiltered = y.filter, y.unfiltered
	x.setProbeLocked()
	x.last, x.visible, x.count = y.last, y.visible, y.count
}

// seedCache keeps recently opened seeds by seq, so that repeated hits on one
// canary (a scammer mailing it daily, a dump scanned twice) do not reopen its
// row. Two generations approximate LRU without a list: a hit in the old
// generation moves to the new one, and when the new one fills, the old one is
// dropped.
type seedCache struct {
	mu        sync.Mutex
	max       int // per generation
	cur, prev map[int64]canary.Seed
	epoch     uint64 // bumped by every invalidation; see put
}

func newSeedCache(max int) *seedCache {
	return &seedCache{max: max, cur: make(map[int64]canary.Seed), prev: make(map[int64]canary.Seed)}
}

// get returns a copy of the cached seed.
func (c *seedCache) get(seq int64) (canary.Seed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.cur[seq]
	if !ok {
		if s, ok = c.prev[seq]; ok {
			delete(c.prev, seq)
			c.putLocked(seq, s)
		}
	}
	return s.Clone(), ok
}

// snapshot returns the epoch to pass to put for a seed read after this call.
func (c *seedCache) snapshot() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put caches s unless an invalidation happened since epoch was taken: the row
// may have been read before a Retire committed, and must not outlive it.
func (c *seedCache) put(seq int64, s canary.Seed, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.putLocked(seq, s.Clone())
	}
}

func (c *seedCache) putLocked(seq int64, s canary.Seed) {
	if len(c.cur) >= c.max {
		c.prev, c.cur = c.cur, make(map[int64]canary.Seed, c.max)
	}
	c.cur[seq] = s
}

func (c *seedCache) invalidate(seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, seq)
	delete(c.prev, seq)
	c.epoch++
}

func (c *seedCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.cur)
	clear(c.prev)
	c.epoch++
}
