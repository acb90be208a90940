package api

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
)

type OrderHandler struct {
	DB *sql.DB
}

func (h *OrderHandler) List(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	query := fmt.Sprintf("SELECT id, total FROM orders WHERE status = '%s'", status)
	rows, err := h.DB.QueryContext(r.Context(), query)
	if err != nil {
		http.Error(w, "query failed", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var total float64
		if err := rows.Scan(&id, &total); err == nil {
			ids = append(ids, id)
		}
	}
	json.NewEncoder(w).Encode(ids)
}
