package watch

// HeldTrailing returns how many alerts w holds for a trailing update.
func HeldTrailing(w *Watcher) int {
	w.trailMu.Lock()
	defer w.trailMu.Unlock()
	return len(w.trailing)
}
