package mapping_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/mapping"
)

func TestApply(t *testing.T) {
	t.Parallel()

	contoso := mapping.Suggestion{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 10, ClientName: "Contoso Ltd", Rule: mapping.RuleName, Score: 1}
	globex := mapping.Suggestion{
		CustomerID: "gz-2", CustomerName: "Globex", Rule: mapping.RuleName, Score: 1, Ambiguous: true,
		Candidates: []mapping.Candidate{{ClientID: 20, Name: "Globex Corp", Score: 1}, {ClientID: 21, Name: "Globex Corporation", Score: 1}},
	}

	tests := []struct {
		name          string
		existing      []mapping.Mapping
		accepted      []mapping.Suggestion
		want          []mapping.Mapping
		wantConflicts []mapping.Conflict
	}{
		{
			name:     "CreatesConfirmedMappingWithTicketingAndBillingOn",
			existing: []mapping.Mapping{{CustomerID: "gz-7", ClientID: 70, Confirmed: true}},
			accepted: []mapping.Suggestion{contoso},
			want: []mapping.Mapping{
				{CustomerID: "gz-7", ClientID: 70, Confirmed: true},
				{CustomerID: "gz-1", ClientID: 10, Ticketing: true, Billing: true, Confirmed: true},
			},
		},
		{
			name:     "ConfirmsUnconfirmedMappingKeepingSwitchesAndClearingSiteOfOtherClient",
			existing: []mapping.Mapping{{CustomerID: "gz-1", ClientID: 99, SiteID: 5, Billing: true}},
			accepted: []mapping.Suggestion{contoso},
			want:     []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, Billing: true, Confirmed: true}},
		},
		{
			name:     "KeepsSiteWhenConfirmingSameClient",
			existing: []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, SiteID: 5, Ticketing: true}},
			accepted: []mapping.Suggestion{contoso},
			want:     []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, SiteID: 5, Ticketing: true, Confirmed: true}},
		},
		{
			name:     "ChangesNothingWhenAlreadyConfirmedOnSameClient",
			existing: []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, SiteID: 5, Confirmed: true}},
			accepted: []mapping.Suggestion{contoso},
			want:     []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, SiteID: 5, Confirmed: true}},
		},
		{
			name:     "NeverOverwritesConfirmedMapping",
			existing: []mapping.Mapping{{CustomerID: "gz-1", ClientID: 42, Ticketing: true, Confirmed: true}},
			accepted: []mapping.Suggestion{contoso},
			want:     []mapping.Mapping{{CustomerID: "gz-1", ClientID: 42, Ticketing: true, Confirmed: true}},
			wantConflicts: []mapping.Conflict{{
				Suggestion: contoso, Reason: mapping.ConflictConfirmed,
				Existing: mapping.Mapping{CustomerID: "gz-1", ClientID: 42, Ticketing: true, Confirmed: true},
				Message:  "Company 'Contoso' is already mapped to HaloPSA client id 42. Unmap it first to map it to 'Contoso Ltd' (id 10) instead.",
			}},
		},
		{
			name:     "RefusesAmbiguousSuggestion",
			accepted: []mapping.Suggestion{globex, contoso},
			want:     []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, Ticketing: true, Billing: true, Confirmed: true}},
			wantConflicts: []mapping.Conflict{{
				Suggestion: globex, Reason: mapping.ConflictAmbiguous,
				Message: "Company 'Globex' matches 2 HaloPSA clients equally well. Choose one of them, or map the company by hand.",
			}},
		},
		{
			name:     "RefusesSuggestionWithoutClient",
			accepted: []mapping.Suggestion{{CustomerID: "gz-3", Rule: mapping.RuleName}},
			wantConflicts: []mapping.Conflict{{
				Suggestion: mapping.Suggestion{CustomerID: "gz-3", Rule: mapping.RuleName}, Reason: mapping.ConflictNoClient,
				Message: "The suggestion for company 'gz-3' names no HaloPSA client. Map the company by hand.",
			}},
		},
		{
			name: "KeepsFirstOfTwoDisagreeingSuggestionsInOneBatch",
			accepted: []mapping.Suggestion{
				contoso,
				{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 11, Rule: mapping.RuleDomain, Score: 1},
				contoso,
			},
			want: []mapping.Mapping{{CustomerID: "gz-1", ClientID: 10, Ticketing: true, Billing: true, Confirmed: true}},
			wantConflicts: []mapping.Conflict{{
				Suggestion: mapping.Suggestion{CustomerID: "gz-1", CustomerName: "Contoso", ClientID: 11, Rule: mapping.RuleDomain, Score: 1},
				Reason:     mapping.ConflictDuplicate,
				Existing:   mapping.Mapping{CustomerID: "gz-1", ClientID: 10, Ticketing: true, Billing: true, Confirmed: true},
				Message:    "Two different HaloPSA clients were accepted for company 'Contoso'; client id 10 was kept. Unmap it first to map the company to client id 11 instead.",
			}},
		},
		{
			name:     "MapsSeveralCustomersToOneClient",
			existing: []mapping.Mapping{{CustomerID: "gz-2", ClientID: 10, Confirmed: true}},
			accepted: []mapping.Suggestion{contoso},
			want: []mapping.Mapping{
				{CustomerID: "gz-2", ClientID: 10, Confirmed: true},
				{CustomerID: "gz-1", ClientID: 10, Ticketing: true, Billing: true, Confirmed: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := slices.Clone(tt.existing)
			got, conflicts := mapping.Apply(tt.existing, tt.accepted)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mappings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantConflicts, conflicts); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.existing); diff != "" {
				t.Errorf("Apply modified its input (-before +after):\n%s", diff)
			}
			again, _ := mapping.Apply(got, tt.accepted)
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("applying twice changed the mappings (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()

	ambiguous := mapping.Suggestion{
		CustomerID: "gz-2", CustomerName: "Globex", Rule: mapping.RuleName, Score: 1, Ambiguous: true,
		Candidates: []mapping.Candidate{
			{ClientID: 21, Name: "Globex Corporation", Score: 1},
			{ClientID: 20, Name: "Globex Corp", Score: 1, SharedWith: []string{"gz-9"}},
		},
	}

	t.Run("TurnsCandidateIntoClearSuggestion", func(t *testing.T) {
		t.Parallel()
		got, err := ambiguous.Choose(20)
		if err != nil {
			t.Fatal(err)
		}
		want := mapping.Suggestion{CustomerID: "gz-2", CustomerName: "Globex", ClientID: 20, ClientName: "Globex Corp", Rule: mapping.RuleName, Score: 1, SharedWith: []string{"gz-9"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Choose(20) (-want +got):\n%s", diff)
		}
		mappings, conflicts := mapping.Apply(nil, []mapping.Suggestion{got})
		if len(conflicts) != 0 || len(mappings) != 1 || mappings[0].ClientID != 20 {
			t.Errorf("Apply(chosen) = %+v, %+v, want one mapping to client 20", mappings, conflicts)
		}
	})

	t.Run("RejectsClientThatIsNotCandidate", func(t *testing.T) {
		t.Parallel()
		if _, err := ambiguous.Choose(99); !errors.Is(err, mapping.ErrNotCandidate) {
			t.Errorf("Choose(99) error = %v, want ErrNotCandidate", err)
		}
	})

	t.Run("ReturnsClearSuggestionForItsOwnClient", func(t *testing.T) {
		t.Parallel()
		clear := mapping.Suggestion{CustomerID: "gz-1", ClientID: 10, Rule: mapping.RuleName, Score: 1}
		got, err := clear.Choose(10)
		if err != nil || !cmp.Equal(got, clear) {
			t.Errorf("Choose(10) = %+v, %v, want the suggestion unchanged", got, err)
		}
		if _, err := clear.Choose(11); !errors.Is(err, mapping.ErrNotCandidate) {
			t.Errorf("Choose(11) error = %v, want ErrNotCandidate", err)
		}
	})
}
