//go:build !amd64

package find

const useAVX2 = false

// classify writes the masks of src's whole words into dst.
func classify(src []byte, dst []uint64) { classifyGeneric(src, dst) }
