package store

// MappingStore keeps client mappings, suggestions and integration events.
type MappingStore interface {
}
