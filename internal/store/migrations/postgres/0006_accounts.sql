-- Who may sign in, and how: operator accounts (a password, a HaloPSA agent,
-- or both), their sessions, the partners' API tokens, and how a partner is
-- recognised when someone logs in with HaloPSA. Sessions and tokens are kept
-- as SHA-256 hashes: the database never holds a value that would let its
-- reader sign in. NULL times mean "not yet" (never signed in, never used,
-- not revoked).

-- email is stored lower-case, so the UNIQUE constraint ignores case.
-- halo_agent_id is 0 for accounts that only sign in with a password.
CREATE TABLE accounts (
	id            BIGSERIAL PRIMARY KEY,
	partner_id    BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	email         TEXT NOT NULL,
	name          TEXT NOT NULL,
	password_hash TEXT,
	halo_agent_id BIGINT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
	created_at    TIMESTAMPTZ NOT NULL,
	last_login_at TIMESTAMPTZ,
	UNIQUE (partner_id, email)
);

CREATE INDEX accounts_email ON accounts (email);
CREATE INDEX accounts_halo_agent ON accounts (partner_id, halo_agent_id);

-- id is the hex SHA-256 of the cookie value.
CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	partner_id   BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	csrf_secret  TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL,
	last_seen_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_expires ON sessions (expires_at);

-- hash is the hex SHA-256 of the whole token; prefix is the part shown to
-- people so they can tell their tokens apart.
CREATE TABLE api_tokens (
	id           BIGSERIAL PRIMARY KEY,
	partner_id   BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	created_at   TIMESTAMPTZ NOT NULL,
	last_used_at TIMESTAMPTZ,
	revoked_at   TIMESTAMPTZ
);

CREATE INDEX api_tokens_partner ON api_tokens (partner_id);

-- A partner that logs in with HaloPSA is the HaloPSA instance at halo_url.
-- The other columns record what halobridge created there on the first
-- sign-in; provisioned_at stays NULL until all of it exists.
CREATE TABLE partner_logins (
	partner_id        BIGINT PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	halo_url          TEXT NOT NULL UNIQUE,
	client_id         TEXT NOT NULL,
	agent_id          BIGINT NOT NULL,
	agent_name        TEXT NOT NULL,
	application_id    TEXT NOT NULL,
	application_name  TEXT NOT NULL,
	service_client_id TEXT NOT NULL,
	setup_problem     TEXT NOT NULL,
	provisioned_at    TIMESTAMPTZ,
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL
);

-- A "Log in with HaloPSA" between the redirect to HaloPSA and its callback,
-- kept in the database so the callback may reach any replica. id is the hex
-- SHA-256 of the OAuth state; verifier is the sealed PKCE code verifier.
CREATE TABLE halo_login_states (
	id           TEXT PRIMARY KEY,
	halo_url     TEXT NOT NULL,
	resource_url TEXT NOT NULL,
	auth_url     TEXT NOT NULL,
	tenant       TEXT NOT NULL,
	client_id    TEXT NOT NULL,
	verifier     TEXT NOT NULL,
	expires_at   TIMESTAMPTZ NOT NULL
);
