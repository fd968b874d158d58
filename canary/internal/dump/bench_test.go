package dump

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// BenchmarkNewReader reads a compressed dump through NewReader and, as the
// reference in the same run, through the decompressor alone: detection and
// the error wrapping should cost nothing measurable.
//
//	go test ./canary/internal/dump -run '^$' -bench NewReader
func BenchmarkNewReader(b *testing.B) {
	var plain bytes.Buffer
	for i := 0; plain.Len() < 32<<20; i++ {
		fmt.Fprintf(&plain, "INSERT INTO customers VALUES (%d, 'customer%d@isp.example.net', '+1 (702) 555-01%02d', '2024-01-%02d');\n", i, i, i%100, 1+i%28)
	}
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(plain.Bytes())
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(plain.Bytes())
	zw.Close()
	direct := map[string]func(io.Reader) (io.ReadCloser, error){
		"gzip": func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) },
		"zstd": func(r io.Reader) (io.ReadCloser, error) {
			d, err := zstd.NewReader(r)
			return d.IOReadCloser(), err
		},
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"gzip", gz.Bytes()}, {"zstd", zs.Bytes()}} {
		b.Run(tc.name+"/dump", func(b *testing.B) {
			b.SetBytes(int64(plain.Len()))
			for b.Loop() {
				r, _, err := NewReader(bytes.NewReader(tc.data))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
		b.Run(tc.name+"/decompressor", func(b *testing.B) {
			b.SetBytes(int64(plain.Len()))
			for b.Loop() {
				r, err := direct[tc.name](bytes.NewReader(tc.data))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}
