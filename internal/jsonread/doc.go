// Package jsonread reads JSON values quickly, with the results encoding/json gives for
// generic values.
//
// Decode gives what encoding/json gives when it decodes into an any with
// Decoder.UseNumber, AppendCanonical writes what json.Marshal writes for such values, and
// Skip, Members and Elements accept exactly what json.Valid accepts. The package
// exists because encoding/json, being general, spends most of its time on reflection and
// on reading the same bytes several times; these functions read each byte once and
// allocate only for the values they return.
//
// Errors are syntax errors that name the offending byte and its offset.
package jsonread
