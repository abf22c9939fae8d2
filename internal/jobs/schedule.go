package jobs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// UniquePerPartner makes an insert a no-op while a job of the same kind
// and arguments is waiting, scheduled, retrying or running: "Sync now"
// pressed twice, or a periodic sync due while the last one still runs,
// gives one job. A finished job does not count, so the next sync can be
// inserted as soon as the last one is done.
//
// The arguments are the partner's id and what to sync, e.g.
// {PartnerID: 7, SyncKind: "catalog"} (a field cannot be called Kind: that
// is the JobArgs method). Arguments that carry more must tag those two
// fields `river:"unique"`, or every other field would tell jobs apart too.
func UniquePerPartner() *river.UniqueOpts {
	return &river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{
			rivertype.JobStateAvailable,
			rivertype.JobStatePending,
			rivertype.JobStateRunning,
			rivertype.JobStateRetryable,
			rivertype.JobStateScheduled,
		},
	}
}

// Every inserts the job args returns once per interval, counted from when
// a replica becomes the leader. The jobs are unique per arguments, as with
// UniquePerPartner, so a run that outlasts the interval is not doubled.
func Every(interval time.Duration, args func() river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return args(), &river.InsertOpts{UniqueOpts: *UniquePerPartner()}
	}, nil)
}
