package handlers

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Search lists the products whose name starts with the `q` query parameter.
func Search(db *sql.DB) gin.HandlerFunc {
	return func(c *gin.Context) {
		prefix := c.Query("q")
		rows, err := db.Query("SELECT id, name FROM products WHERE name LIKE $1", prefix+"%")
		if err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		c.Status(http.StatusOK)
	}
}

// Names is a constant query with no input: not a finding.
func Names(db *sql.DB) (*sql.Rows, error) {
	return db.Query("SELECT name FROM products ORDER BY name")
}
