package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halobridge/internal/web"
)

// option is one choice of a <select>, with whether it is the current one,
// decided here so that templates only print.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// options builds choices from values and labels, selecting current.
func options[T any](items []T, value func(T) string, label func(T) string, current string) []option {
	out := make([]option, 0, len(items))
	for _, it := range items {
		v := value(it)
		out = append(out, option{Value: v, Label: label(it), Selected: v == current})
	}
	return out
}

// fieldErrors are messages by form field, shown next to each field.
type fieldErrors map[string]string

func (e fieldErrors) add(field, message string) {
	if _, ok := e[field]; !ok {
		e[field] = capitalise(message)
	}
}

// formInt reads an integer field; blank and junk read as 0.
func formInt(form url.Values, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(form.Get(name)))
	if err != nil {
		return 0
	}
	return n
}

// checked reads a checkbox.
func checked(form url.Values, name string) bool {
	v := form.Get(name)
	return v == "on" || v == "yes" || v == "true" || v == "1"
}

// parseForm reads a posted form, which the server shell has bounded and
// parsed already (web.MaxFormBody); bounded here too for a handler served
// without the shell.
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxFormBody)
	err := r.ParseForm()
	if msg, tooBig := web.TooLarge(err); tooBig {
		http.Error(w, msg, http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err != nil {
		http.Error(w, "The form could not be read; reload the page and send it again.", http.StatusBadRequest)
		return nil, false
	}
	return r.PostForm, true
}

func itoa(n int) string { return strconv.Itoa(n) }
