// Package dump opens a leaked dump for scanning, decompressing it when it is
// gzip, zstd, bzip2 or xz. The format is told by the stream's first bytes (its
// magic number), never by a file name: dumps found in the wild are often
// renamed, or come from a pipe.
//
// Each decompressor streams with bounded memory: gzip and bzip2 by their
// formats (a 32 KiB window, 900 kB blocks); zstd by refusing windows over
// [MaxWindow]; xz keeps the dictionary its stream declares (64 MiB for xz -9).
package dump

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ErrCorrupt is wrapped by every error that says the compressed stream itself
// is damaged or truncated, as opposed to an error reading the source.
var ErrCorrupt = errors.New("dump: corrupt compressed stream")

// Format names how a dump is encoded.
type Format string

// The formats NewReader recognizes.
const (
	Plain Format = "plain"
	Gzip  Format = "gzip"
	Zstd  Format = "zstd"
	Bzip2 Format = "bzip2"
	Xz    Format = "xz"
)

// MaxWindow is the largest zstd window accepted (zstd --long=27): a stream
// asking for more is refused as corrupt rather than allowed to take memory.
const MaxWindow = 128 << 20

// bufferSize is the read-ahead buffer: large enough that the decompressors
// and the scanner read in big steps.
const bufferSize = 256 << 10

// NewReader returns a reader of r's content, decompressed if its first bytes
// are those of a gzip, zstd, bzip2 or xz stream, and the format found.
// Concatenated streams (pigz, pbzip2, multi-frame zstd) are read to the end.
// Errors reading r come back as they are; damage in the compressed data
// comes back wrapping ErrCorrupt, at creation or from Read. Close releases
// the decompressor, not r.
func NewReader(r io.Reader) (io.ReadCloser, Format, error) {
	src := &sourceReader{r: r}
	br := bufio.NewReaderSize(src, bufferSize)
	head, err := br.Peek(16)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	f := detect(head)
	var dec io.Reader
	closer := func() {}
	switch f {
	case Plain:
		return io.NopCloser(br), Plain, nil
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, f, src.wrap(f, err)
		}
		dec, closer = zr, func() { zr.Close() }
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(MaxWindow), zstd.WithDecoderMaxMemory(MaxWindow))
		if err != nil {
			return nil, f, src.wrap(f, err)
		}
		dec, closer = zr, zr.Close
	case Bzip2:
		dec = bzip2.NewReader(br)
	case Xz:
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, f, src.wrap(f, err)
		}
		dec = zr
	}
	return &reader{dec: dec, src: src, format: f, close: closer}, f, nil
}

// detect names the format whose magic number head starts with.
func detect(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b, 0x08}): // deflate is gzip's only method
		return Gzip
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	case len(head) >= 4 && head[0]&0xf0 == 0x50 && bytes.Equal(head[1:4], []byte{0x2a, 0x4d, 0x18}):
		return Zstd // a skippable frame, as zstd's seekable format starts with
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return Xz
	case isBzip2(head):
		return Bzip2
	}
	return Plain
}

// isBzip2 checks "BZh", a block size digit, and the magic of the first block
// (or of the end of an empty stream), so that a text dump that happens to
// start with "BZh9" is not mistaken for one.
func isBzip2(head []byte) bool {
	if len(head) < 10 || string(head[:3]) != "BZh" || head[3] < '1' || head[3] > '9' {
		return false
	}
	block := string(head[4:10])
	return block == "1AY&SY" || block == "\x17rE8P\x90"
}

// sourceReader remembers whether an error came from the source, so that a
// failing disk is not reported as a corrupt stream.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// wrap classifies a decompressor's error.
func (s *sourceReader) wrap(f Format, err error) error {
	if s.err != nil && errors.Is(err, s.err) {
		return err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // the decompressor wanted more
	}
	return fmt.Errorf("%w (%s): %v", ErrCorrupt, f, err)
}

type reader struct {
	dec    io.Reader
	src    *sourceReader
	format Format
	close  func()
	err    error // sticky
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(p)
	if err != nil && err != io.EOF {
		err = r.src.wrap(r.format, err)
		r.err = err
	}
	return n, err
}

func (r *reader) Close() error {
	r.close()
	r.err = errors.New("dump: read after Close")
	return nil
}
