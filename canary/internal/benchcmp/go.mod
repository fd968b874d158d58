module github.com/honeyseed/honeyseed/canary/internal/benchcmp

go 1.26.0

replace github.com/honeyseed/honeyseed => ../../..

require (
	github.com/brianvoe/gofakeit/v7 v7.18.1
	github.com/honeyseed/honeyseed v0.0.0-00010101000000-000000000000
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/nyaruka/phonenumbers v1.8.1 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
