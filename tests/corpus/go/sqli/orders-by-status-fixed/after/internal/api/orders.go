package api

import (
	"database/sql"
	"encoding/json"
	"net/http"
)

type OrderHandler struct {
	DB *sql.DB
}

func (h *OrderHandler) List(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	const query = "SELECT id, total FROM orders WHERE status = $1"
	rows, err := h.DB.QueryContext(r.Context(), query, status)
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
