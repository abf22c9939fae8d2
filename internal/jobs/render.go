package jobs

import (
	"fmt"
	"io"
	"strings"
	"time"

	"halobridge/internal/store"
)

// defaultBarWidth is the bar's width when the caller gives none.
const defaultBarWidth = 20

// RenderProgress draws run as one line for the CLI, e.g.
//
//	catalog  [#########.........]  52%  clients 260/500
//
// with a bar width characters wide (20 when width is not positive)
// showing how far the current step is. A finished run says how it ended
// instead of naming the step. When w is not nil the line is also written
// to it for a terminal: after a carriage return and followed by an erase
// to the end of the line, so that each call redraws the last, and ended
// by a newline once the run has finished.
func RenderProgress(w io.Writer, run store.SyncRun, width int) string {
	if width <= 0 {
		width = defaultBarWidth
	}
	var step store.SyncStep
	if len(run.Steps) > 0 {
		step = run.Steps[len(run.Steps)-1]
	}
	percent := 0
	if step.Total > 0 {
		percent = min(max(step.Done*100/step.Total, 0), 100)
	}
	if run.State == store.SyncSucceeded {
		percent = 100
	}
	filled := width * percent / 100
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	line := fmt.Sprintf("%s  [%s] %3d%%  %s", run.Kind, bar, percent, progressDetail(run, step))
	if w != nil {
		end := ""
		if run.State != store.SyncRunning {
			end = "\n"
		}
		fmt.Fprintf(w, "\r%s\x1b[K%s", line, end)
	}
	return line
}

// progressDetail says where a running run is, or how a finished one ended.
func progressDetail(run store.SyncRun, step store.SyncStep) string {
	var detail string
	switch {
	case run.State == store.SyncFailed:
		return "failed: " + run.Error
	case run.State == store.SyncSucceeded:
		detail = "succeeded"
		if run.FinishedAt != nil {
			detail += " in " + roundDuration(run.FinishedAt.Sub(run.StartedAt)).String()
		}
	case step.Name == "":
		detail = "starting"
	case !step.WaitingUntil.IsZero():
		detail = fmt.Sprintf("%s %d: waiting for HaloPSA's request budget until %s", step.Name, step.Done, step.WaitingUntil.Format("15:04:05 UTC"))
	case step.Total > 0:
		detail = fmt.Sprintf("%s %d/%d", step.Name, step.Done, step.Total)
	default:
		detail = fmt.Sprintf("%s %d", step.Name, step.Done)
	}
	errs := 0
	for _, s := range run.Steps {
		errs += s.Counts[errorsCount]
	}
	switch errs {
	case 0:
		return detail
	case 1:
		return detail + ", 1 error"
	default:
		return fmt.Sprintf("%s, %d errors", detail, errs)
	}
}

// roundDuration keeps a run's duration readable: tenths of a second for
// short runs, whole seconds beyond.
func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
