package run

// Progress receives how far a run has come, for the progress bar of the CLI
// and the sync history; the durable worker passes the sync run's.
type Progress interface {
	Step(name string, total int)
	Advance(n int)
	Count(key string, n int)
}

// noProgress is the Progress of a run nobody watches.
type noProgress struct{}

func (noProgress) Step(string, int)  {}
func (noProgress) Advance(int)       {}
func (noProgress) Count(string, int) {}
