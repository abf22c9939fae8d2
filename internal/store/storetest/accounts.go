package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/store"
)

func createAccount(t *testing.T, b *testBundle, partnerID int64, email string) store.Account {
	t.Helper()
	a, err := b.store.CreateAccount(b.ctx, store.Account{PartnerID: partnerID, Email: email, Name: "Ops",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Role: store.RoleAdmin})
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", email, err)
	}
	return a
}

func testAccounts(t *testing.T, setup func(t *testing.T) *testBundle) {
	// accountTime has sub-microsecond digits, which the store must round
	// the same way on both engines.
	accountTime := time.Date(2025, 3, 14, 9, 30, 0, 123456789, time.UTC)

	t.Run("CreatesAccountsWithEmailsUniquePerPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		acme := createPartner(t, b, "Acme IT", "acme")
		beta := createPartner(t, b, "Beta IT", "beta")
		in := store.Account{PartnerID: acme.ID, Email: "  Ops@Acme.example ", Name: " Olivia Ops ",
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Role: store.RoleAdmin}
		created, err := b.store.CreateAccount(b.ctx, in)
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		want := store.Account{ID: created.ID, PartnerID: acme.ID, Email: "ops@acme.example", Name: "Olivia Ops",
			PasswordHash: in.PasswordHash, Role: store.RoleAdmin, CreatedAt: created.CreatedAt}
		if diff := cmp.Diff(want, created); diff != "" || created.CreatedAt.IsZero() {
			t.Errorf("CreateAccount (-want +got):\n%s", diff)
		}
		read, err := b.store.AccountByEmail(b.ctx, acme.ID, "OPS@acme.example")
		if diff := cmp.Diff(want, read); err != nil || diff != "" {
			t.Errorf("AccountByEmail: %v (-want +got):\n%s", err, diff)
		}
		if _, err := b.store.CreateAccount(b.ctx, store.Account{PartnerID: acme.ID, Email: "OPS@ACME.EXAMPLE", HaloAgentID: 5, Role: store.RoleMember}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second account with the same email in one partner: err = %v, want ErrConflict", err)
		}
		other, err := b.store.CreateAccount(b.ctx, store.Account{PartnerID: beta.ID, Email: "ops@acme.example", HaloAgentID: 5, Role: store.RoleMember})
		if err != nil {
			t.Fatalf("the same email in another partner: %v", err)
		}
		both, err := b.store.AccountsByEmail(b.ctx, "Ops@Acme.Example")
		if err != nil || len(both) != 2 || both[0].ID != created.ID || both[1].ID != other.ID {
			t.Errorf("AccountsByEmail = %+v, %v; want the acme account then the beta one", both, err)
		}
		if other.PasswordHash != "" {
			t.Errorf("an account without a password reads back with hash %q", other.PasswordHash)
		}
		if _, err := b.store.Account(b.ctx, beta.ID, created.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("reading acme's account as beta: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("RefusesAccountsThatCannotSignIn", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		cases := []struct {
			name string
			in   store.Account
		}{
			{"NoEmail", store.Account{PartnerID: p.ID, HaloAgentID: 3, Role: store.RoleAdmin}},
			{"NotAnEmail", store.Account{PartnerID: p.ID, Email: "ops at acme", HaloAgentID: 3, Role: store.RoleAdmin}},
			{"UnknownRole", store.Account{PartnerID: p.ID, Email: "ops@acme.example", HaloAgentID: 3, Role: "owner"}},
			{"NeitherPasswordNorAgent", store.Account{PartnerID: p.ID, Email: "ops@acme.example", Role: store.RoleAdmin}},
		}
		for _, c := range cases {
			if _, err := b.store.CreateAccount(b.ctx, c.in); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", c.name, err)
			}
		}
		if _, err := b.store.CreateAccount(b.ctx, store.Account{PartnerID: p.ID + 100, Email: "ops@acme.example", HaloAgentID: 3, Role: store.RoleAdmin}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("account of an unknown partner: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("UpdatesAccountsAndRecordsSignIns", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		a := createAccount(t, b, p.ID, "ops@acme.example")
		a.Name, a.HaloAgentID, a.Role, a.PasswordHash = "Olivia", 12, store.RoleMember, ""
		updated, err := b.store.UpdateAccount(b.ctx, a)
		if err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		if diff := cmp.Diff(a, updated); diff != "" {
			t.Errorf("UpdateAccount (-want +got):\n%s", diff)
		}
		byAgent, err := b.store.AccountByHaloAgent(b.ctx, p.ID, 12)
		if err != nil || byAgent.ID != a.ID {
			t.Errorf("AccountByHaloAgent = %+v, %v", byAgent, err)
		}
		if _, err := b.store.AccountByHaloAgent(b.ctx, q.ID, 12); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the agent in another partner: err = %v, want ErrNotFound", err)
		}
		moved := a
		moved.PartnerID = q.ID
		if _, err := b.store.UpdateAccount(b.ctx, moved); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("updating the account as another partner: err = %v, want ErrNotFound", err)
		}
		if err := b.store.RecordLogin(b.ctx, a.ID, accountTime); err != nil {
			t.Fatalf("RecordLogin: %v", err)
		}
		read, _ := b.store.Account(b.ctx, p.ID, a.ID)
		if want := accountTime.Truncate(time.Microsecond); !read.LastLoginAt.Equal(want) {
			t.Errorf("LastLoginAt = %v, want %v", read.LastLoginAt, want)
		}
		list, err := b.store.Accounts(b.ctx, p.ID)
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("Accounts = %+v, %v", list, err)
		}
	})

	t.Run("KeepsSessionsUntilTheyAreDeletedOrStale", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		a := createAccount(t, b, p.ID, "ops@acme.example")
		in := store.Session{ID: strings.Repeat("ab", 32), AccountID: a.ID, PartnerID: p.ID, CSRFSecret: "csrf-secret",
			CreatedAt: accountTime, ExpiresAt: accountTime.Add(7 * 24 * time.Hour), LastSeenAt: accountTime}
		created, err := b.store.CreateSession(b.ctx, in)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		read, err := b.store.Session(b.ctx, in.ID)
		if diff := cmp.Diff(created, read); err != nil || diff != "" {
			t.Errorf("Session: %v (-created +read):\n%s", err, diff)
		}
		if !read.CreatedAt.Equal(accountTime.Truncate(time.Microsecond)) {
			t.Errorf("CreatedAt = %v", read.CreatedAt)
		}
		later := accountTime.Add(time.Hour)
		if err := b.store.TouchSession(b.ctx, in.ID, later); err != nil {
			t.Fatal(err)
		}
		if read, _ := b.store.Session(b.ctx, in.ID); !read.LastSeenAt.Equal(later.Truncate(time.Microsecond)) {
			t.Errorf("LastSeenAt after touch = %v", read.LastSeenAt)
		}

		idle := in
		idle.ID = strings.Repeat("cd", 32)
		if _, err := b.store.CreateSession(b.ctx, idle); err != nil {
			t.Fatal(err)
		}
		n, err := b.store.DeleteStaleSessions(b.ctx, accountTime.Add(2*time.Hour), accountTime.Add(30*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("DeleteStaleSessions = %d, %v; want the idle session (1)", n, err)
		}
		if _, err := b.store.Session(b.ctx, idle.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("idle session after clean-up: err = %v", err)
		}
		if n, _ := b.store.DeleteStaleSessions(b.ctx, in.ExpiresAt, accountTime); n != 1 {
			t.Errorf("DeleteStaleSessions at the absolute expiry removed %d, want 1", n)
		}
		if err := b.store.DeleteSession(b.ctx, in.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteSession of a removed session: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("TiesASessionToItsAccountsPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		a := createAccount(t, b, p.ID, "ops@acme.example")
		_, err := b.store.CreateSession(b.ctx, store.Session{ID: "x", AccountID: a.ID, PartnerID: q.ID, CSRFSecret: "c",
			CreatedAt: accountTime, ExpiresAt: accountTime.Add(time.Hour), LastSeenAt: accountTime})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session of acme's account for beta: err = %v, want ErrNotFound", err)
		}
		ses := store.Session{ID: "y", AccountID: a.ID, PartnerID: p.ID, CSRFSecret: "c",
			CreatedAt: accountTime, ExpiresAt: accountTime.Add(time.Hour), LastSeenAt: accountTime}
		if _, err := b.store.CreateSession(b.ctx, ses); err != nil {
			t.Fatal(err)
		}
		if err := b.store.DeleteAccount(b.ctx, q.ID, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting acme's account as beta: err = %v, want ErrNotFound", err)
		}
		if err := b.store.DeleteAccount(b.ctx, p.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Session(b.ctx, ses.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session of a deleted account: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("FindsTokensByHashAndRevokesThemOnlyForTheirPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		tok, err := b.store.CreateAPIToken(b.ctx, store.APIToken{PartnerID: p.ID, Name: " deploy ", Prefix: "hb_abcd1234", Hash: strings.Repeat("1f", 32)})
		if err != nil {
			t.Fatalf("CreateAPIToken: %v", err)
		}
		if tok.ID == 0 || tok.Name != "deploy" || tok.CreatedAt.IsZero() {
			t.Errorf("created %+v", tok)
		}
		if _, err := b.store.CreateAPIToken(b.ctx, store.APIToken{PartnerID: q.ID, Name: "x", Prefix: "hb_x", Hash: tok.Hash}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second token with the same hash: err = %v, want ErrConflict", err)
		}
		if _, err := b.store.CreateAPIToken(b.ctx, store.APIToken{PartnerID: p.ID, Prefix: "hb_x", Hash: "h"}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("a token without a name: err = %v, want ErrInvalid", err)
		}
		found, err := b.store.APITokenByHash(b.ctx, tok.Hash)
		if diff := cmp.Diff(tok, found); err != nil || diff != "" {
			t.Errorf("APITokenByHash: %v (-created +found):\n%s", err, diff)
		}
		if err := b.store.TouchAPIToken(b.ctx, tok.ID, accountTime); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.RevokeAPIToken(b.ctx, q.ID, tok.ID, accountTime); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking acme's token as beta: err = %v, want ErrNotFound", err)
		}
		if list, _ := b.store.APITokens(b.ctx, q.ID); len(list) != 0 {
			t.Errorf("beta lists %d tokens, want none", len(list))
		}
		revoked, err := b.store.RevokeAPIToken(b.ctx, p.ID, tok.ID, accountTime.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		again, _ := b.store.RevokeAPIToken(b.ctx, p.ID, tok.ID, accountTime.Add(2*time.Hour))
		wantRevoked := accountTime.Add(time.Hour).Truncate(time.Microsecond)
		if !revoked.RevokedAt.Equal(wantRevoked) || !again.RevokedAt.Equal(wantRevoked) {
			t.Errorf("revoked at %v, then %v; want %v both times", revoked.RevokedAt, again.RevokedAt, wantRevoked)
		}
		if !revoked.LastUsedAt.Equal(accountTime.Truncate(time.Microsecond)) {
			t.Errorf("LastUsedAt = %v", revoked.LastUsedAt)
		}
		list, err := b.store.APITokens(b.ctx, p.ID)
		if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(wantRevoked) {
			t.Errorf("APITokens = %+v, %v; want the revoked token", list, err)
		}
	})

	t.Run("RecognisesAPartnerByItsHaloURL", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, l, err := b.store.CreatePartnerWithLogin(b.ctx, store.Partner{Name: "acme.halopsa.com"},
			store.PartnerLogin{HaloURL: "https://acme.halopsa.com", ClientID: "login-client"})
		if err != nil {
			t.Fatalf("CreatePartnerWithLogin: %v", err)
		}
		if p.ID == 0 || p.Slug != "acme-halopsa-com" || l.PartnerID != p.ID || !l.ProvisionedAt.IsZero() {
			t.Errorf("created %+v with %+v", p, l)
		}
		found, err := b.store.PartnerLoginByURL(b.ctx, "https://acme.halopsa.com")
		if diff := cmp.Diff(l, found); err != nil || diff != "" {
			t.Errorf("PartnerLoginByURL: %v (-created +found):\n%s", err, diff)
		}
		_, _, err = b.store.CreatePartnerWithLogin(b.ctx, store.Partner{Name: "Another"},
			store.PartnerLogin{HaloURL: "https://acme.halopsa.com", ClientID: "other"})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second partner for the same HaloPSA: err = %v, want ErrConflict", err)
		}
		if _, err := b.store.PartnerBySlug(b.ctx, "another"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused partner was kept: err = %v", err)
		}

		l.AgentID, l.AgentName = 9, "halobridge Integration"
		l.ApplicationID, l.ApplicationName, l.ServiceClientID = "3f2a-guid", "halobridge Service", "svc-client"
		l.ProvisionedAt = accountTime
		saved, err := b.store.SavePartnerLogin(b.ctx, l)
		if err != nil {
			t.Fatalf("SavePartnerLogin: %v", err)
		}
		want := l
		want.ProvisionedAt, want.UpdatedAt = accountTime.Truncate(time.Microsecond), saved.UpdatedAt
		if diff := cmp.Diff(want, saved); diff != "" {
			t.Errorf("SavePartnerLogin (-want +got):\n%s", diff)
		}
		if read, _ := b.store.PartnerLogin(b.ctx, p.ID); !cmp.Equal(saved, read) {
			t.Errorf("PartnerLogin = %+v, want %+v", read, saved)
		}
		if _, err := b.store.SavePartnerLogin(b.ctx, store.PartnerLogin{PartnerID: p.ID + 100}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("saving the login of a partner without one: err = %v, want ErrNotFound", err)
		}
		if err := b.store.DeletePartner(b.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.PartnerLoginByURL(b.ctx, "https://acme.halopsa.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("login of a deleted partner: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("HandsOutALoginStateOnceAndOnlyBeforeItExpires", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		st := store.HaloLoginState{ID: strings.Repeat("5e", 32), HaloURL: "https://acme.halopsa.com",
			ResourceURL: "https://acme.halopsa.com/api", AuthURL: "https://acme.halopsa.com/auth", Tenant: "acme",
			ClientID: "login-client", Verifier: "VERIFIER-9c1d-plaintext", ExpiresAt: accountTime.Add(10 * time.Minute)}
		if err := b.store.SaveHaloLoginState(b.ctx, st); err != nil {
			t.Fatalf("SaveHaloLoginState: %v", err)
		}
		var column string
		if err := rawDB(t, b.store).QueryRowContext(b.ctx, "SELECT verifier FROM halo_login_states WHERE id = $1", st.ID).Scan(&column); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(column, st.Verifier) {
			t.Errorf("the verifier is stored in plaintext: %q", column)
		}
		got, err := b.store.TakeHaloLoginState(b.ctx, st.ID, accountTime)
		want := st
		want.ExpiresAt = st.ExpiresAt.Truncate(time.Microsecond)
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("TakeHaloLoginState: %v (-want +got):\n%s", err, diff)
		}
		if _, err := b.store.TakeHaloLoginState(b.ctx, st.ID, accountTime); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("taking it twice: err = %v, want ErrNotFound", err)
		}

		late := st
		late.ID = strings.Repeat("6f", 32)
		if err := b.store.SaveHaloLoginState(b.ctx, late); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.TakeHaloLoginState(b.ctx, late.ID, late.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("taking it at its expiry: err = %v, want ErrNotFound", err)
		}
	})
}
