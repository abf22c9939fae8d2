package push_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/push"
)

// operation is what a line-based read of the document finds under one path and method.
type operation struct {
	path, method string
	examples     []string
}

// readOpenAPI reads the paths, methods and one-line JSON examples of the document, and the
// examples under components, relying on its two-space indentation (no YAML library in go.mod).
func readOpenAPI(t *testing.T, doc []byte) (ops []operation, componentExamples []string) {
	t.Helper()
	var section, path string
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0 && trimmed != "":
			section = strings.TrimSuffix(trimmed, ":")
		case section == "paths" && indent == 2 && strings.HasPrefix(trimmed, "/"):
			path = strings.TrimSuffix(trimmed, ":")
		case section == "paths" && indent == 4 && strings.HasSuffix(trimmed, ":"):
			ops = append(ops, operation{path: path, method: strings.ToUpper(strings.TrimSuffix(trimmed, ":"))})
		case strings.HasPrefix(trimmed, "example: {") || strings.HasPrefix(trimmed, "example: ["):
			ex := strings.TrimPrefix(trimmed, "example: ")
			if section == "paths" {
				ops[len(ops)-1].examples = append(ops[len(ops)-1].examples, ex)
			} else {
				componentExamples = append(componentExamples, ex)
			}
		}
	}
	return ops, componentExamples
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	ops, components := readOpenAPI(t, push.OpenAPI)

	t.Run("DescribesEveryEndpoint", func(t *testing.T) {
		t.Parallel()
		var got []string
		for _, op := range ops {
			got = append(got, op.method+" "+op.path)
		}
		want := []string{
			"PUT /api/push/v1/customers",
			"PUT /api/push/v1/customers/{customer_id}/devices",
			"PUT /api/push/v1/usage",
			"POST /api/push/v1/alerts",
			"GET /api/push/v1/alerts/{id}",
			"POST /api/push/v1/alerts/{id}/resolve",
			"POST /api/push/v1/alerts/resolve",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("operations (-want +got):\n%s", diff)
		}
		if !bytes.HasPrefix(push.OpenAPI, []byte("openapi: 3.0.")) || !bytes.Contains(push.OpenAPI, []byte("scheme: bearer")) {
			t.Fatal("not an OpenAPI 3.0 document with bearer auth")
		}
	})
	t.Run("ItsExamplesPassTheParsers", func(t *testing.T) {
		t.Parallel()
		parsers := map[string]func([]byte) (int, error){
			"/api/push/v1/customers": func(b []byte) (int, error) { out, err := push.ParseCustomers(b); return len(out), err },
			"/api/push/v1/customers/{customer_id}/devices": func(b []byte) (int, error) {
				_, out, err := push.ParseDevices("c-1001", b)
				return len(out), err
			},
			"/api/push/v1/usage":  func(b []byte) (int, error) { out, err := push.ParseUsage(b); return len(out), err },
			"/api/push/v1/alerts": func(b []byte) (int, error) { out, err := push.ParseAlerts(b); return len(out), err },
			"/api/push/v1/alerts/{id}/resolve": func(b []byte) (int, error) {
				_, err := push.ParseResolve("evt-88123", b)
				return 1, err
			},
			"/api/push/v1/alerts/resolve": func(b []byte) (int, error) { out, err := push.ParseResolutions(b); return len(out), err },
		}
		for _, op := range ops {
			if op.method == "GET" {
				if len(op.examples) != 0 {
					t.Errorf("GET %s has a request example", op.path)
				}
				continue
			}
			if len(op.examples) != 1 {
				t.Errorf("%s has %d request examples, want 1", op.path, len(op.examples))
				continue
			}
			n, err := parsers[op.path]([]byte(op.examples[0]))
			if err != nil || n == 0 {
				t.Errorf("example of %s: %d items, %v", op.path, n, err)
			}
		}
	})
	t.Run("ItsErrorExamplesAreErrorBodies", func(t *testing.T) {
		t.Parallel()
		codes := map[string]bool{}
		for _, ex := range components {
			var body struct {
				Error *push.Error `json:"error"`
			}
			if err := json.Unmarshal([]byte(ex), &body); err != nil {
				t.Fatalf("example %s: %v", ex, err)
			}
			if body.Error != nil {
				codes[body.Error.Code] = true
			}
		}
		if len(codes) != 4 {
			t.Fatalf("error examples show codes %v", codes)
		}
	})
	t.Run("ListsEveryErrorCode", func(t *testing.T) {
		t.Parallel()
		want := "enum: [" + strings.Join([]string{
			push.CodeInvalidJSON, push.CodeRequired, push.CodeInvalidValue, push.CodeUnknownField,
			push.CodeDuplicate, push.CodeTooMany, push.CodeTooLarge, push.CodeUnauthorized, push.CodeNotFound,
		}, ", ") + "]"
		if !bytes.Contains(push.OpenAPI, []byte(want)) {
			t.Fatalf("the Error schema does not list %s", want)
		}
	})
}
