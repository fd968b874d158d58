// Package interop holds tests that check honeyseed's provider signatures
// against the providers' official libraries: Node's twilio,
// standardwebhooks and @sendgrid/eventwebhook packages, pinned in
// testdata/package.json and its lock file. Mailgun's official Node package
// (mailgun.js) has no webhook verifier, and Postmark signs nothing. The tests run testdata/interop.js with node; they skip, saying how to
// install, when node or testdata/node_modules is missing. .ci/run installs
// both:
//
//	cd canary/internal/interop/testdata && npm ci
//
// The package has no code of its own.
package interop
