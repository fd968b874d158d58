#include "textflag.h"

// func classifyAVX2(src *byte, n int, dst *uint64, tables *[2][16]byte)
//
// Each byte's classes are lowNibble[c&15] & highNibble[c>>4] (VPSHUFB looks
// up 32 at once); each class's bits become one mask bit a byte (VPMOVMSKB of
// the bytes with none of them, inverted).
TEXT ·classifyAVX2(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ dst+16(FP), DI
	MOVQ tables+24(FP), AX
	VBROADCASTI128 (AX), Y13        // lowNibble
	VBROADCASTI128 16(AX), Y14      // highNibble
	MOVL $0x0f, AX
	MOVQ AX, X15
	VPBROADCASTB X15, Y15           // 0x0f
	MOVL $0x01, AX
	MOVQ AX, X12
	VPBROADCASTB X12, Y12           // digit
	MOVL $0x06, AX
	MOVQ AX, X11
	VPBROADCASTB X11, Y11           // phone separator
	MOVL $0x18, AX
	MOVQ AX, X10
	VPBROADCASTB X10, Y10           // letter
	MOVL $0xe0, AX
	MOVQ AX, X9
	VPBROADCASTB X9, Y9             // ticket separator
	VPXOR Y8, Y8, Y8                // zero

loop:
	TESTQ CX, CX
	JZ done
	// bytes 0-31 into Y2's classes, 32-63 into Y3's
	VMOVDQU (SI), Y0
	VPSRLW $4, Y0, Y1
	VPAND Y15, Y0, Y0
	VPAND Y15, Y1, Y1
	VPSHUFB Y0, Y13, Y0
	VPSHUFB Y1, Y14, Y1
	VPAND Y0, Y1, Y2
	VMOVDQU 32(SI), Y0
	VPSRLW $4, Y0, Y1
	VPAND Y15, Y0, Y0
	VPAND Y15, Y1, Y1
	VPSHUFB Y0, Y13, Y0
	VPSHUFB Y1, Y14, Y1
	VPAND Y0, Y1, Y3

	// digits
	VPAND Y12, Y2, Y4
	VPCMPEQB Y8, Y4, Y4
	VPMOVMSKB Y4, AX
	VPAND Y12, Y3, Y5
	VPCMPEQB Y8, Y5, Y5
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	MOVQ AX, 0(DI)

	// phone separators
	VPAND Y11, Y2, Y4
	VPCMPEQB Y8, Y4, Y4
	VPMOVMSKB Y4, AX
	VPAND Y11, Y3, Y5
	VPCMPEQB Y8, Y5, Y5
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	MOVQ AX, 8(DI)

	// letters
	VPAND Y10, Y2, Y4
	VPCMPEQB Y8, Y4, Y4
	VPMOVMSKB Y4, AX
	VPAND Y10, Y3, Y5
	VPCMPEQB Y8, Y5, Y5
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	MOVQ AX, 16(DI)

	// ticket separators
	VPAND Y9, Y2, Y4
	VPCMPEQB Y8, Y4, Y4
	VPMOVMSKB Y4, AX
	VPAND Y9, Y3, Y5
	VPCMPEQB Y8, Y5, Y5
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	MOVQ AX, 24(DI)

	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JMP loop

done:
	VZEROUPPER
	RET
