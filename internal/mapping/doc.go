// Package mapping decides which HaloPSA client each security customer belongs
// to, and whether a mapping still works: it normalises company names and
// domains, scores name similarity, ranks auto-match suggestions, applies the
// ones a person accepts, and evaluates each mapping into a status and the
// integration events that need a person.
//
// Everything here is a pure function of its arguments, so the code that reads
// HaloPSA, the sources and the store calls it with catalogs already loaded.
package mapping
