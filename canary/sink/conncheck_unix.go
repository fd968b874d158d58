//go:build unix

package sink

import (
	"errors"
	"net"
	"syscall"
)

// peekClosed reports, without waiting, whether the peer of a plain TCP
// connection has closed or reset it: Go's sockets are non-blocking, so one read
// returns EAGAIN on a live, silent connection and 0 bytes after a FIN. ok is
// false for other connections (TLS, whose bytes a raw read would steal).
func peekClosed(c net.Conn) (closed, ok bool) {
	tcp, isTCP := c.(*net.TCPConn)
	if !isTCP {
		return false, false
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return false, false
	}
	var n int
	var rerr error
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, rerr = syscall.Read(int(fd), b[:])
		return true // never wait
	})
	switch {
	case err != nil:
		return true, true
	case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
		return false, true
	case rerr != nil || n == 0:
		return true, true
	}
	return false, true // the server sent a byte, which a syslog server never does; discarded
}
