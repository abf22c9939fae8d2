package store

// SetupStore keeps each partner's progress through the setup wizard.
type SetupStore interface {
}
