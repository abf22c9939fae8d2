package halosim

import "time"

// Halo dates are ISO-8601 without a zone; "1899-12-30T00:00:00" (the OLE epoch) means none.
const (
	haloTimeLayout = "2006-01-02T15:04:05.999"
	emptyDate      = "1899-12-30T00:00:00"
)

func haloTime(t time.Time) string { return t.UTC().Format(haloTimeLayout) }

func (s *Sim) stamp() string { return haloTime(s.now()) }
