package sqlstore

import (
	"sync"
	"sync/atomic"
)

// builder fills an empty index from the packed index rows as they are read
// (by Open, or by the first refresh of a store opened empty), holding its
// lock throughout: the keys on one goroutine, the IDs and the filter on
// another, each reading the rows where they lie. Nothing of a row
// is kept but what the tables hold, so building needs the index's memory and
// a few buffers of rows, not a copy of every entry, and it overlaps reading.
type builder struct {
	x     *index
	work  [2]chan *packedBatch // to the keys worker and the IDs worker
	free  chan *packedBatch
	cur   *packedBatch // filling
	wg    sync.WaitGroup
	last  int64 // highest seq added
	count int
}

// packedBatch is packed rows copied back to back, which both workers read.
type packedBatch struct {
	b     []byte
	spans []packedSpan
	left  atomic.Int32 // workers not done with it
}

// packedSpan is one packed row of a batch: entries from seq lo in
// b[off:end], of which those at or below skip are indexed already.
type packedSpan struct {
	lo, skip int64
	off, end int
}

const (
	batchBytes   = 256 << 10 // rows a batch carries before it is handed on
	batchBuffers = 4         // batches in flight: bounds the memory of a build
)

// startBuild locks x, which must be empty, for a build; finish unlocks it.
func (x *index) startBuild() *builder {
	x.mu.Lock()
	b := &builder{x: x, free: make(chan *packedBatch, batchBuffers)}
	for range batchBuffers {
		b.free <- &packedBatch{}
	}
	for i := range b.work {
		b.work[i] = make(chan *packedBatch, batchBuffers)
	}
	b.wg.Go(func() { b.run(b.work[0], x.buildKeysLocked) })
	b.wg.Go(func() { b.run(b.work[1], x.buildIDsLocked) })
	return b
}

func (b *builder) run(work <-chan *packedBatch, build func(*packedBatch)) {
	for pb := range work {
		build(pb)
		if pb.left.Add(-1) == 0 {
			pb.b, pb.spans = pb.b[:0], pb.spans[:0]
			b.free <- pb
		}
	}
}

// add queues the packed row of seqs lo..hi, keeping the seqs after skip. It
// checks the row's structure first, so that the workers read only sound rows.
func (b *builder) add(lo, hi, skip int64, packed []byte) error {
	if err := checkPacked(lo, hi, packed); err != nil {
		return err
	}
	if b.cur == nil {
		b.cur = <-b.free
	}
	pb := b.cur
	pb.spans = append(pb.spans, packedSpan{lo: lo, skip: skip, off: len(pb.b), end: len(pb.b) + len(packed)})
	pb.b = append(pb.b, packed...)
	if hi > skip {
		b.count += int(hi - max(lo, skip+1) + 1)
		b.last = max(b.last, hi)
	}
	if len(pb.b) >= batchBytes {
		b.send()
	}
	return nil
}

func (b *builder) send() {
	pb := b.cur
	b.cur = nil
	pb.left.Store(int32(len(b.work)))
	for _, w := range b.work {
		w <- pb
	}
}

// finish waits for the workers and unlocks the index: with the rows added
// visible if ok, or, after an error, as an index that Open discards.
func (b *builder) finish(ok bool) {
	x := b.x
	defer x.mu.Unlock()
	if b.cur != nil && len(b.cur.spans) > 0 {
		b.send()
	}
	for _, w := range b.work {
		close(w)
	}
	b.wg.Wait()
	if !ok {
		return
	}
	x.setProbeLocked() // a filter over-full (more keys than growFor guessed) is refitted by loadSeedsLocked
	if b.count > 0 {
		x.last, x.visible, x.count = b.last, b.last, x.count+b.count
	}
}

// eachPacked calls fn with every entry of pb's spans that is not skipped,
// whose structure add checked.
func (pb *packedBatch) eachPacked(fn func(seq int64, e packedEntry)) {
	for _, sp := range pb.spans {
		walkPacked(sp.lo, sp.skip, pb.b[sp.off:sp.end], fn)
	}
}

// buildKeysLocked indexes the lookup keys of a batch, warming each run of
// warmBatch home slots before inserting into them.
func (x *index) buildKeysLocked(pb *packedBatch) {
	var (
		keys [warmBatch]mac
		seqs [warmBatch]int64
		n    int
	)
	flush := func() {
		x.keys.warm(keys[:n])
		for i := range n {
			x.insertKeyLocked(seqs[i], keys[i])
		}
		n = 0
	}
	pb.eachPacked(func(seq int64, e packedEntry) {
		for i := range e.keyCount() {
			if n == warmBatch {
				flush()
			}
			keys[n], seqs[n] = e.key(i), seq
			n++
		}
	})
	flush()
}

// buildIDsLocked indexes the IDs of a batch and adds its tags to the filter,
// warming the slots and blocks of each run before writing them.
func (x *index) buildIDsLocked(pb *packedBatch) {
	var (
		ids  [warmBatch]mac
		seqs [warmBatch]int64
		tags = make([]uint64, 0, 3*warmBatch)
		n    int
	)
	flush := func() {
		x.ids.warm(ids[:n])
		for i := range n {
			x.ids.put(ids[i], seqs[i])
		}
		n = 0
		for _, t := range tags {
			x.filter.Contains(t) // an atomic load of its block: warms it, as warm does
		}
		for _, t := range tags {
			x.filter.Add(t)
		}
		tags = tags[:0]
	}
	pb.eachPacked(func(seq int64, e packedEntry) {
		if n == warmBatch {
			flush()
		}
		ids[n], seqs[n] = e.id(), seq
		n++
		for i := range e.keyCount() {
			tags = append(tags, e.tag(i))
		}
	})
	flush()
}
