package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
)

func TestLoggerAddsTheRequestID(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger := Logger(slog.New(slog.NewJSONHandler(&buf, nil))).With("partner_id", 7)
	r := withRequest(httptest.NewRequest("POST", "/setup/sources", nil), &request{id: "0123456789abcdef"})
	logger.WarnContext(r.Context(), "connecting a source failed")
	logger.WarnContext(context.Background(), "outside any request")

	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, rec)
	}
	if len(lines) != 2 || lines[0]["request_id"] != "0123456789abcdef" || lines[0]["partner_id"] != float64(7) {
		t.Errorf("logged %s, want the request's line with its request id", buf.String())
	}
	if _, ok := lines[1]["request_id"]; ok {
		t.Errorf("a line outside any request has a request id: %v", lines[1])
	}
}
