package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Partner is one MSP account: the tenant everything else belongs to.
type Partner struct {
	ID int64
	// Name is what people see.
	Name string
	// Slug names the partner in URLs: lower-case letters, digits, hyphens.
	Slug      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const partnerColumns = "id, name, slug, created_at, updated_at"

func scanPartner(row scanner) (Partner, error) {
	var p Partner
	err := row.Scan(&p.ID, &p.Name, &p.Slug, timeColumn{&p.CreatedAt}, timeColumn{&p.UpdatedAt})
	return p, err
}

// MaxPartnerName is how many characters a partner's name may have.
const MaxPartnerName = 100

// nameError is a partner name that cannot be kept, said as a person reads
// it; it is ErrInvalid.
type nameError struct{ msg string }

func (e *nameError) Error() string { return e.msg }

func (e *nameError) Is(target error) bool { return target == ErrInvalid }

// CheckPartnerName returns a partner's name as it is kept: trimmed, from 1
// to MaxPartnerName characters, without control characters (line breaks,
// tabs), which the pages' header could not show. Its errors are ErrInvalid
// and say what to change.
func CheckPartnerName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "", &nameError{"the name is not valid UTF-8 text"}
	case n == 0:
		return "", &nameError{"enter a name"}
	case n > MaxPartnerName:
		return "", &nameError{fmt.Sprintf("a name has at most %d characters; this one has %d", MaxPartnerName, n)}
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", &nameError{"a name cannot hold control characters such as line breaks or tabs"}
	}
	return name, nil
}

// checkPartner checks the name, fills an empty slug from it and validates both.
func checkPartner(p Partner) (Partner, error) {
	name, err := CheckPartnerName(p.Name)
	if err != nil {
		return Partner{}, fmt.Errorf("partner name: %w", err)
	}
	p.Name = name
	if p.Slug == "" {
		p.Slug = slugify(p.Name)
		if p.Slug == "" {
			return Partner{}, fmt.Errorf("partner %q: %w: no slug can be made from the name; choose one", p.Name, ErrInvalid)
		}
	}
	if err := validSlug(p.Slug); err != nil {
		return Partner{}, err
	}
	return p, nil
}

// CreatePartner stores a new partner and returns it with its id. An
// empty Slug is made from the Name.
func (s *Store) CreatePartner(ctx context.Context, p Partner) (Partner, error) {
	p, err := checkPartner(p)
	if err != nil {
		return Partner{}, fmt.Errorf("create partner: %w", err)
	}
	now := s.timestamp()
	p.CreatedAt, p.UpdatedAt = now, now
	err = s.writer.QueryRowContext(ctx,
		"INSERT INTO partners (name, slug, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
		p.Name, p.Slug, s.d.timeArg(now)).Scan(&p.ID)
	if err != nil {
		return Partner{}, fmt.Errorf("create partner %q: %w", p.Slug, mapError(err))
	}
	return p, nil
}

func (s *Store) Partner(ctx context.Context, id int64) (Partner, error) {
	p, err := scanPartner(s.reader.QueryRowContext(ctx, "SELECT "+partnerColumns+" FROM partners WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, fmt.Errorf("partner %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Partner{}, fmt.Errorf("read partner %d: %w", id, err)
	}
	return p, nil
}

func (s *Store) PartnerBySlug(ctx context.Context, slug string) (Partner, error) {
	p, err := scanPartner(s.reader.QueryRowContext(ctx, "SELECT "+partnerColumns+" FROM partners WHERE slug = $1", slug))
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, fmt.Errorf("partner %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return Partner{}, fmt.Errorf("read partner %q: %w", slug, err)
	}
	return p, nil
}

// Partners sorts in Go rather than in SQL because the engines collate text
// differently; names compare case-insensitively, as a person reads a list.
func (s *Store) Partners(ctx context.Context) ([]Partner, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+partnerColumns+" FROM partners")
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	var out []Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, fmt.Errorf("list partners: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	slices.SortFunc(out, func(a, b Partner) int {
		return cmp.Or(compareNames(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// UpdatePartner changes the name and slug of partner p.ID.
func (s *Store) UpdatePartner(ctx context.Context, p Partner) (Partner, error) {
	p, err := checkPartner(p)
	if err != nil {
		return Partner{}, fmt.Errorf("update partner: %w", err)
	}
	p.UpdatedAt = s.timestamp()
	err = s.writer.QueryRowContext(ctx,
		"UPDATE partners SET name = $2, slug = $3, updated_at = $4 WHERE id = $1 RETURNING created_at",
		p.ID, p.Name, p.Slug, s.d.timeArg(p.UpdatedAt)).Scan(timeColumn{&p.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Partner{}, fmt.Errorf("update partner %d: %w", p.ID, ErrNotFound)
	}
	if err != nil {
		return Partner{}, fmt.Errorf("update partner %d: %w", p.ID, mapError(err))
	}
	return p, nil
}

// DeletePartner relies on ON DELETE CASCADE to remove what the partner owns.
func (s *Store) DeletePartner(ctx context.Context, id int64) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM partners WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("delete partner %d: %w", id, err)
	}
	return requireRow(res, fmt.Sprintf("delete partner %d", id))
}

// requireRow turns a write that touched nothing into ErrNotFound.
func requireRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// compareNames orders names case-insensitively, breaking ties by the exact
// text so the order never depends on the engine.
func compareNames(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}
