package store

import (
	"context"
	"database/sql"
)

type Users struct {
	db *sql.DB
}

func (u *Users) ByEmail(ctx context.Context, email string) (*sql.Rows, error) {
	return u.db.QueryContext(ctx, "SELECT id, name FROM users WHERE email = $1", email)
}
