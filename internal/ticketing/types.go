package ticketing

import (
	"slices"
	"sync"

	"halobridge/internal/source"
	"halobridge/internal/vocab"
)

// TypeInfo describes an alert type halobridge knows: its display name, its
// default ticket title and the facts its connector fills in. The fact names
// are the contract with the connectors: each becomes a {{variable}}.
type TypeInfo struct {
	Type         string
	Source       source.Kind
	Name         string
	DefaultTitle string
	Facts        []string
}

// resolvedBySource are the known alert types whose source says when they
// are resolved: GravityZone's EDR incidents, whose status halobridge polls.
// (The push API's vendors may resolve any alert of theirs.)
var resolvedBySource = []string{"new-incident", "new-extended-incident"}

// ReportsResolution reports whether the source of alerts of type t says
// when they are resolved, so that their tickets can close by themselves.
func ReportsResolution(t string) bool { return slices.Contains(resolvedBySource, t) }

// genericTitle serves alert types halobridge has no title for.
const genericTitle = "{{type}} alert on {{hostname}}"

// known is every alert type of the vocabulary, read once.
var known = sync.OnceValues(func() ([]TypeInfo, map[string]TypeInfo) {
	var list []TypeInfo
	byType := map[string]TypeInfo{}
	for _, t := range vocab.Types() {
		info := TypeInfo{Type: t.ID, Source: t.Source, Name: t.Name, DefaultTitle: t.Title, Facts: t.FactNames()}
		list = append(list, info)
		if _, ok := byType[t.ID]; !ok {
			byType[t.ID] = info
		}
	}
	return list, byType
})

// KnownTypes lists every alert type with a default title, GravityZone
// modules first (display names as GravityZone gives them), then DefensX: a
// view of the vocabulary (internal/vocab), whose fact names are the names the
// normalisers store.
func KnownTypes() []TypeInfo {
	list, _ := known()
	out := make([]TypeInfo, len(list))
	for i, t := range list {
		t.Facts = slices.Clone(t.Facts)
		out[i] = t
	}
	return out
}

// typeInfo finds alertType among KnownTypes.
func typeInfo(alertType string) (TypeInfo, bool) {
	_, byType := known()
	t, ok := byType[alertType]
	return t, ok
}

// DefaultTitle is the title template used when the policy leaves it blank.
func DefaultTitle(alertType string) string {
	if t, ok := typeInfo(alertType); ok {
		return t.DefaultTitle
	}
	return genericTitle
}
