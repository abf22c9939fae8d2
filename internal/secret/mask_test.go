package secret_test

import (
	"testing"

	"halobridge/internal/secret"
)

func TestMask(t *testing.T) {
	t.Parallel()

	tests := []struct {
		secret string
		want   string
	}{
		{"", ""},
		{"abc", "••••"},
		{"12345678", "••••"},
		{"123456789", "••••6789"},
		{"sk_live_abcdefWXYZ", "••••WXYZ"},
		{"ключ-секрет", "••••крет"},
	}
	for _, tt := range tests {
		if got := secret.Mask(tt.secret); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.secret, got, tt.want)
		}
	}
}
