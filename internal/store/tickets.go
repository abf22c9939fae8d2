package store

// TicketStore keeps ticket policies, ticket links and delivery state.
type TicketStore interface {
}
