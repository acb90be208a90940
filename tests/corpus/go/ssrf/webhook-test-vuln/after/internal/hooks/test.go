package hooks

import (
	"net/http"
)

func TestWebhook(w http.ResponseWriter, r *http.Request) {
	target := r.PostFormValue("url")
	resp, err := http.Get(target)
	if err != nil {
		http.Error(w, "unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}
