package web

import (
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
)

// Body bounds. Each route bounds its own body more tightly where it reads
// one; these hold for every request whatever the route does.
const (
	// MaxBody bounds any request body: above the largest push a security
	// platform sends (the ingest routes allow 10 MiB).
	MaxBody = 16 << 20
	// MaxFormBody bounds a form posted to a page: the largest, the ticket
	// policy, is a few kilobytes.
	MaxFormBody = 1 << 20
)

// TooLarge says whether err is a body refused for its size, and the
// sentence to answer with (413).
func TooLarge(err error) (string, bool) {
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) && !errors.Is(err, multipart.ErrMessageTooLarge) {
		return "", false
	}
	limit := int64(MaxFormBody)
	if tooBig != nil {
		limit = tooBig.Limit
	}
	return fmt.Sprintf("The request body is larger than the %d bytes this address takes.", limit), true
}

// forms bounds and parses a form posted to next before next sees it, so
// that every form is bounded whatever reads it first (the CSRF check reads
// the token from the form): a form larger than MaxFormBody is refused with
// 413, without being read to its end or spooled to a temporary file, and
// one that cannot be parsed, or whose fields hold what no text halobridge
// keeps may hold (Unreadable), with 400. Handlers then read r.PostForm.
func forms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mediaType != "application/x-www-form-urlencoded" && mediaType != "multipart/form-data" {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > MaxFormBody {
			msg, _ := TooLarge(&http.MaxBytesError{Limit: MaxFormBody})
			refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", msg)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
		var err error
		if mediaType == "multipart/form-data" {
			// Parts stay in memory up to the whole bound, so none is
			// ever written to a temporary file.
			err = r.ParseMultipartForm(MaxFormBody)
			if r.MultipartForm != nil {
				defer r.MultipartForm.RemoveAll()
			}
		} else {
			err = r.ParseForm()
		}
		if msg, ok := TooLarge(err); ok {
			refuse(w, r, http.StatusRequestEntityTooLarge, "too_large", msg)
			return
		}
		if err != nil {
			refuse(w, r, http.StatusBadRequest, "invalid_input", "The form could not be read ("+err.Error()+"); reload the page and send it again.")
			return
		}
		if where := unreadableValues(r.PostForm, "form field"); where != "" {
			refuse(w, r, http.StatusBadRequest, "invalid_input", unreadableText(where))
			return
		}
		next.ServeHTTP(w, r)
	})
}
