package find

import "golang.org/x/sys/cpu"

// classifyAVX2 is classifyGeneric over n words at src, 32 bytes a step.
//
//go:noescape
func classifyAVX2(src *byte, n int, dst *uint64, tables *[2][16]byte)

var useAVX2 = cpu.X86.HasAVX2

var nibbleTables = [2][16]byte{lowNibble, highNibble}

// classify writes the masks of src's whole words into dst.
func classify(src []byte, dst []uint64) {
	n := len(dst) / maskKinds
	if !useAVX2 || n == 0 {
		classifyGeneric(src, dst)
		return
	}
	_ = src[n*wordBytes-1]
	classifyAVX2(&src[0], n, &dst[0], &nibbleTables)
}
