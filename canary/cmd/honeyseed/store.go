package main

import (
	"context"
	"flag"

	"github.com/honeyseed/honeyseed/canary/sqlstore"
)

// storeFlags are the flags every command uses to open the registry.
type storeFlags struct {
	path, postgres, key string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.path, "registry", "honeyseed.db", "SQLite registry `file`")
	fs.StringVar(&s.postgres, "postgres", "", "PostgreSQL `DSN`: use it instead of the SQLite file")
	fs.StringVar(&s.key, "key", "honeyseed.key", "secret key `file` (created if missing) when $HONEYSEED_SECRET is unset")
}

func (s *storeFlags) open(ctx context.Context) (*sqlstore.Store, error) {
	opts := sqlstore.Options{Driver: "sqlite", Path: s.path, KeyFile: s.key}
	if s.postgres != "" {
		opts = sqlstore.Options{Driver: "pgx", DSN: s.postgres, KeyFile: s.key}
	}
	return sqlstore.Open(ctx, opts)
}
