package store

// AccountStore keeps operator accounts, sessions and API tokens.
type AccountStore interface {
}
