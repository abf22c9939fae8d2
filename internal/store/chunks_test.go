package store

import (
	"database/sql"
	"testing"
)

func TestInsertChunksCoverEveryRowInFewStatementsOfPreparedSizes(t *testing.T) {
	prepared := map[int]bool{rowsPerInsert: true}
	for n := 1; n < rowsPerInsert; n *= 2 {
		prepared[n] = true
	}
	for n := 1; n <= 5*rowsPerInsert; n++ {
		left, statements := n, 0
		for left > 0 {
			size := insertChunk(left)
			if !prepared[size] || size > left {
				t.Fatalf("%d rows: a chunk of %d of the %d left, want a prepared size no larger", n, size, left)
			}
			left -= size
			statements++
		}
		if full := n / rowsPerInsert; statements > full+8 {
			t.Errorf("%d rows take %d statements, want at most %d full ones and 8 more", n, statements, full)
		}
	}
	// Each size finds the statement prepared for it.
	a := &alertInserts{full: new(sql.Stmt)}
	want := map[int]*sql.Stmt{rowsPerInsert: a.full}
	for n := 1; n < rowsPerInsert; n *= 2 {
		stmt := new(sql.Stmt)
		a.powers = append(a.powers, stmt)
		want[n] = stmt
	}
	for n, stmt := range want {
		if a.of(n) != stmt {
			t.Errorf("the statement for %d rows is another size's", n)
		}
	}
}
