package inbound

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// The IMAP tests run against a private Dovecot: Debian's dovecot-imapd,
// started from a configuration written here into a temporary directory, on
// free loopback ports, once per test binary and stopped by TestMain. Tests
// that need it skip when dovecot is not installed.

func TestMain(m *testing.M) {
	code := m.Run()
	stopDovecot()
	os.Exit(code)
}

// dovecot is the running test server.
type dovecot struct {
	dir        string
	cmd        *exec.Cmd
	exited     chan struct{}
	imapPort   int // plaintext and STARTTLS
	imapsPort  int // implicit TLS
	caFile     string
	passwdFile string

	users map[string]string // address -> password; written before the server starts
}

var (
	dovecotOnce    sync.Once
	theDovecot     *dovecot
	dovecotErr     error
	errNoDovecot   = errors.New("dovecot is not installed")
	dovecotStopped atomic.Bool
)

// testDovecot returns the running server, starting it on first use.
func testDovecot(t testing.TB) *dovecot {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Dovecot")
	}
	dovecotOnce.Do(func() { theDovecot, dovecotErr = startDovecot() })
	if errors.Is(dovecotErr, errNoDovecot) {
		t.Skip("dovecot not on PATH: install Debian's dovecot-imapd (.ci/run does) to run the IMAP tests")
	}
	require.NoError(t, dovecotErr)
	return theDovecot
}

func stopDovecot() {
	if theDovecot == nil || dovecotStopped.Swap(true) {
		return
	}
	d := theDovecot
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
	}
	os.RemoveAll(d.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startDovecot() (*dovecot, error) {
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/dovecot"); statErr != nil {
			return nil, errNoDovecot
		}
		bin = "/usr/sbin/dovecot"
	}
	dir, err := os.MkdirTemp("", "honeyseed-dovecot-")
	if err != nil {
		return nil, err
	}
	// Dovecot's unprivileged processes must reach the mail and the sockets.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	d := &dovecot{dir: dir, users: map[string]string{}, passwdFile: filepath.Join(dir, "passwd")}
	if d.imapPort, err = freePort(); err != nil {
		return nil, err
	}
	if d.imapsPort, err = freePort(); err != nil {
		return nil, err
	}
	if err := d.writeCerts(); err != nil {
		return nil, err
	}
	if err := d.writeUsers(); err != nil {
		return nil, err
	}
	// Mail is owned by an unprivileged user: Dovecot refuses uid 0.
	uid, gid := os.Getuid(), os.Getgid()
	var users string
	if uid == 0 {
		u, err := user.Lookup("dovecot")
		if err != nil {
			return nil, fmt.Errorf("no dovecot user: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	} else {
		me, err := user.Current()
		if err != nil {
			return nil, err
		}
		users = fmt.Sprintf("default_internal_user = %s\ndefault_login_user = %s\ndefault_internal_group = %s\n", me.Username, me.Username, me.Username)
	}
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chown(mail, uid, gid); err != nil && os.Getuid() == 0 {
		return nil, err
	}
	conf := fmt.Sprintf(`# Written by honeyseed's IMAP tests.
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = honeyseed-test-%[2]d
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
%[3]s
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:%[1]s/mail/%%u
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[4]d gid=%[5]d home=%[1]s/mail/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[6]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[7]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
`, dir, d.imapPort, users, uid, gid, d.imapPort, d.imapsPort)
	confFile := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	d.cmd = exec.Command(bin, "-F", "-c", confFile)
	d.cmd.Stdout, d.cmd.Stderr = &out, &out
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	d.exited = make(chan struct{})
	go func() { d.cmd.Wait(); close(d.exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", d.imapPort), time.Second)
		if err == nil {
			c.Close()
			return d, nil
		}
		select {
		case <-d.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			return nil, fmt.Errorf("dovecot exited: %s %s", out.String(), log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.cmd.Process.Kill()
			return nil, errors.New("dovecot did not start listening within 20s")
		}
	}
}

// writeCerts makes a test CA and a certificate for 127.0.0.1 and localhost.
func (d *dovecot) writeCerts() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "honeyseed test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	d.caFile = filepath.Join(d.dir, "ca.pem")
	for name, blk := range map[string]*pem.Block{
		"ca.pem":   {Type: "CERTIFICATE", Bytes: caDER},
		"cert.pem": {Type: "CERTIFICATE", Bytes: leafDER},
		"key.pem":  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(d.dir, name), pem.EncodeToMemory(blk), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Test mailboxes are created with the server: Dovecot rereads a passwd-file
// that changes, but not reliably within the same second. Each is the address
// of canarytest.Seed(firstTestSeed+k), the first half with IDLE, the second
// without, for the polling tests.
const (
	firstTestSeed = 1000
	testMailboxes = 200
)

var nextIdle, nextNoIdle atomic.Int64

func (d *dovecot) writeUsers() error {
	var b strings.Builder
	for k := range testMailboxes {
		s := canarytest.Seed(firstTestSeed+k, "crm/imap")
		extra := ""
		if k >= testMailboxes/2 {
			extra = "userdb_imap_capability=IMAP4rev1" // no IDLE
		}
		pw := fmt.Sprintf("pw-%d", k)
		d.users[s.Email] = pw
		fmt.Fprintf(&b, "%s:{PLAIN}%s::::::%s\n", s.Email, pw, extra)
	}
	return os.WriteFile(d.passwdFile, []byte(b.String()), 0o644)
}

// newMailbox returns a seed nobody else in this test binary uses and its
// mailbox; noIdle picks one whose sessions do not offer IDLE. Its password
// also serves as its XOAUTH2 token: Dovecot checks a bearer token as a
// password.
func (d *dovecot) newMailbox(t testing.TB, noIdle bool) (canary.Seed, testMailbox) {
	t.Helper()
	k := nextIdle.Add(1) - 1
	if noIdle {
		k = testMailboxes/2 + nextNoIdle.Add(1) - 1
	}
	require.Less(t, k, int64(testMailboxes), "out of test mailboxes")
	s := canarytest.Seed(firstTestSeed+int(k), "crm/imap")
	return s, testMailbox{Address: s.Email, Password: d.users[s.Email]}
}

// client logs in as address over plaintext loopback, for the test's own
// APPENDs.
func (d *dovecot) client(t testing.TB, address string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(fmt.Sprintf("127.0.0.1:%d", d.imapPort), nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Login(address, d.users[address]).Wait())
	return c
}

// appendMessage stores raw in folder, dated at (zero: now), and returns its UID.
func appendMessage(t testing.TB, c *imapclient.Client, folder string, raw []byte, at time.Time) imap.UID {
	t.Helper()
	uid, err := tryAppend(c, folder, raw, at)
	require.NoError(t, err)
	return uid
}

// tryAppend is appendMessage for goroutines other than the test's.
func tryAppend(c *imapclient.Client, folder string, raw []byte, at time.Time) (imap.UID, error) {
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: at})
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return 0, err
	}
	if err := cmd.Close(); err != nil {
		return 0, err
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, err
	}
	return data.UID, nil
}

// testMailbox is one mailbox at the test Dovecot.
type testMailbox struct {
	Address  string
	Password string
}

// config returns the watcher's view of mb over the given TLS mode, its
// password in an environment variable named after the test.
func (d *dovecot) config(t testing.TB, mb testMailbox, mode IMAPTLSMode) IMAPMailbox {
	t.Helper()
	env := "HONEYSEED_TEST_IMAP_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, mb.Address)
	t.Setenv(env, mb.Password)
	c := IMAPMailbox{Address: mb.Address, Host: "127.0.0.1", TLS: mode, CAFile: d.caFile, Credential: CredentialRef{Env: env}}
	switch mode {
	case IMAPTLS:
		c.Port = d.imapsPort
	case IMAPPlaintext:
		c.Port, c.AllowPlaintext = d.imapPort, true
	default:
		c.Port = d.imapPort
	}
	return c
}
