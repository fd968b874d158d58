package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

// postgresEnv holds the PostgreSQL DSN: a DSN on the command line would show
// its password to anyone running ps.
const postgresEnv = "HONEYSEED_POSTGRES"

// Errors a command gives for a registry it cannot use: exit code 1.
var (
	errNoRegistry = errors.New("no registry")
	errNoKey      = errors.New("no key")
)

// storeFlags are the flags every command uses to open the registry.
type storeFlags struct {
	path, postgres, postgresFile, key string
}

func (s *storeFlags) register(fset *flag.FlagSet) {
	fset.StringVar(&s.path, "registry", "honeyseed.db", "SQLite registry `file`, made by 'honeyseed init'")
	fset.StringVar(&s.postgres, "postgres", "", "PostgreSQL `DSN` without a password (PGPASSWORD or a passfile gives it); prefer $"+postgresEnv+" or -postgres-file")
	fset.StringVar(&s.postgresFile, "postgres-file", "", "`file` holding the PostgreSQL DSN (mode 0600); default $"+postgresEnv)
	fset.StringVar(&s.key, "key", "honeyseed.key", "secret key `file` when $HONEYSEED_SECRET is unset, made by 'honeyseed init'")
}

// dsn returns the PostgreSQL DSN, "" for SQLite. A DSN carrying a password on
// the command line is refused.
func (s *storeFlags) dsn() (string, error) {
	switch {
	case s.postgres != "" && s.postgresFile != "":
		return "", usageErr("give -postgres or -postgres-file, not both")
	case s.postgres != "":
		if dsnHasPassword(s.postgres) {
			return "", usageErr("-postgres: the DSN holds a password, which ps would show: put it in $%s or a -postgres-file", postgresEnv)
		}
		return s.postgres, nil
	case s.postgresFile != "":
		b, err := os.ReadFile(s.postgresFile)
		if err != nil {
			return "", fmt.Errorf("-postgres-file: %w", err)
		}
		if d := strings.TrimSpace(string(b)); d != "" {
			return d, nil
		}
		return "", fmt.Errorf("-postgres-file %s is empty", s.postgresFile)
	}
	return os.Getenv(postgresEnv), nil
}

// dsnHasPassword reports whether a PostgreSQL DSN, URL or key=value form,
// names a password.
func dsnHasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		_, set := u.User.Password()
		return set || u.Query().Has("password")
	}
	for _, kv := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) == "password" {
			return true
		}
	}
	return false
}

func (s *storeFlags) options() (sqlstore.Options, error) {
	dsn, err := s.dsn()
	if err != nil {
		return sqlstore.Options{}, err
	}
	if dsn != "" {
		return sqlstore.Options{Driver: "pgx", DSN: dsn, KeyFile: s.key}, nil
	}
	return sqlstore.Options{Driver: "sqlite", Path: s.path, KeyFile: s.key}, nil
}

// open opens an existing registry with its key. A registry that does not
// exist, or a missing key file, is an error: only init creates them, so a
// mistyped path never turns into a new, empty registry that finds nothing.
func (s *storeFlags) open(ctx context.Context) (*sqlstore.Store, error) {
	opts, err := s.options()
	if err != nil {
		return nil, err
	}
	exists, err := registryExists(ctx, opts)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("%w at %s: create one with 'honeyseed init' (or give -registry, $%s)", errNoRegistry, describe(opts), postgresEnv)
	}
	if os.Getenv(sqlstore.SecretEnv) == "" {
		if _, err := os.Stat(opts.KeyFile); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: key file %s is missing: the registry at %s was sealed with a key; restore it from your backup (a new key cannot open the registry), or set $%s",
				errNoKey, opts.KeyFile, describe(opts), sqlstore.SecretEnv)
		}
	}
	st, err := sqlstore.Open(ctx, opts)
	if errors.Is(err, sqlstore.ErrWrongSecret) {
		return nil, fmt.Errorf("%w (the key does not match the registry at %s)", err, describe(opts))
	}
	return st, err
}

// create makes a new registry and, unless $HONEYSEED_SECRET is set or the
// key file already exists (restored from a backup), a new 0600 key file.
func (s *storeFlags) create(ctx context.Context) (*sqlstore.Store, error) {
	opts, err := s.options()
	if err != nil {
		return nil, err
	}
	exists, err := registryExists(ctx, opts)
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, fmt.Errorf("init: a registry already exists at %s", describe(opts))
	}
	return sqlstore.Open(ctx, opts)
}

func describe(opts sqlstore.Options) string {
	if opts.Driver == "pgx" {
		return "the PostgreSQL database"
	}
	return opts.Path
}

// registryExists reports whether opts names an initialized registry: a SQLite
// file, or a PostgreSQL schema holding honeyseed's tables. It creates nothing.
func registryExists(ctx context.Context, opts sqlstore.Options) (bool, error) {
	if opts.Driver != "pgx" {
		_, err := os.Stat(opts.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	db, err := sql.Open("pgx", opts.DSN)
	if err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	defer db.Close()
	var found bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('honeyseed_meta') IS NOT NULL`).Scan(&found); err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	return found, nil
}

func initCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("init", flag.ContinueOnError)
	var st storeFlags
	st.register(fset)
	dots := fset.String(dotDomainsFlag, "", dotDomainsUsage)
	if err := parseFlags(fset, args, stdout); err != nil {
		return err
	}
	domains, err := parseDomainsFlag(*dots)
	if err != nil {
		return err
	}
	keyExisted := true
	if _, err := os.Stat(st.key); errors.Is(err, fs.ErrNotExist) {
		keyExisted = false
	}
	store, err := st.create(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	// Saved even when empty: a config that lists domains the registry does
	// not is then refused (see dotInsensitiveDomains).
	if err := store.SaveSettings(ctx, sqlstore.Settings{DotInsensitiveDomains: domains}); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	opts, _ := st.options()
	if opts.Driver != "pgx" {
		// Blinded, but still the list of what is planted where: private, like
		// the key (SQLite gives its -wal and -shm files the same mode).
		if err := os.Chmod(opts.Path, 0o600); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	switch {
	case os.Getenv(sqlstore.SecretEnv) != "":
		fmt.Fprintf(stdout, "created the registry at %s, sealed with $%s\n", describe(opts), sqlstore.SecretEnv)
	case keyExisted:
		fmt.Fprintf(stdout, "created the registry at %s, sealed with the existing key file %s\n", describe(opts), st.key)
	default:
		fmt.Fprintf(stdout, "created the registry at %s and the key file %s (mode 0600): back the key up apart from the registry\n", describe(opts), st.key)
	}
	return nil
}
