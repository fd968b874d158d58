// Package benchcmp measures honeyseed against the tools its issues name, in one
// run. It is a module of its own so that the comparison's dependencies
// (gofakeit) never enter honeyseed's go.mod; go test ./... at the top level
// does not see it. Run it with:
//
//	cd canary/internal/benchcmp && go test -bench . -benchmem
package benchcmp
