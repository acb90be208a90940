package store

import (
	"context"
	"database/sql"
	"fmt"
)

type Users struct {
	db *sql.DB
}

func (u *Users) ByEmail(ctx context.Context, email string) (*sql.Rows, error) {
	query := fmt.Sprintf("SELECT id, name FROM users WHERE email = '%s'", email)
	return u.db.QueryContext(ctx, query)
}
