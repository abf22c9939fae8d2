package halo

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cenkalti/backoff/v5"

	"halobridge/internal/outbound"
)

// verdict says what a failed attempt allows.
type verdict int

const (
	// final: success, or a failure that sending again cannot fix.
	final verdict = iota
	// retrySafe: Halo cannot have acted (nothing sent, 429) or the request is a read.
	retrySafe
	// maybeApplied: a write may have reached Halo; sending it again could duplicate it.
	maybeApplied
)

const maxRetryInterval = 30 * time.Second

// withRetries runs op until it succeeds, fails for good, or the retry budget is spent.
func withRetries[T any](ctx context.Context, l *link, op func() (T, verdict, error)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = l.cfg.RetryBackoff
	b.MaxInterval = maxRetryInterval
	res, err := backoff.Retry(ctx, func() (T, error) {
		res, v, err := op()
		switch {
		case err == nil:
			return res, nil
		case v == retrySafe:
			return res, err
		case v == maybeApplied:
			return res, backoff.Permanent(&MaybeAppliedError{Err: err})
		default:
			return res, backoff.Permanent(err)
		}
	},
		backoff.WithBackOff(b),
		backoff.WithMaxTries(uint(l.cfg.MaxRetries)+1),
		backoff.WithNotify(func(err error, next time.Duration) {
			l.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "halo request failed, retrying",
				slog.String("error", err.Error()), slog.Duration("in", next))
		}),
	)
	// Retry hands back the permanent wrapper itself when the last allowed try was permanent.
	var perm *backoff.PermanentError
	if errors.As(err, &perm) {
		err = perm.Err
	}
	return res, err
}

// transportVerdict classifies a request that got no (complete) answer.
func transportVerdict(ctx context.Context, err error, idempotent, sent bool) verdict {
	switch {
	case outbound.IsRefused(err):
		// The guard refused before anything was sent; it will refuse again.
		return final
	case sent && !idempotent:
		return maybeApplied
	case ctx.Err() != nil:
		return final
	default:
		return retrySafe
	}
}

// statusVerdict classifies an error answer.
func statusVerdict(status int, idempotent bool) verdict {
	switch {
	case status == http.StatusTooManyRequests:
		return retrySafe
	case status >= 500 && idempotent:
		return retrySafe
	case status >= 500:
		return maybeApplied
	default:
		return final
	}
}
