package tools

import (
	"net/http"
	"os/exec"
)

func LookupHandler(w http.ResponseWriter, r *http.Request) {
	host := r.FormValue("host")
	out, err := exec.Command("sh", "-c", "nslookup "+host).CombinedOutput()
	if err != nil {
		http.Error(w, "lookup failed", http.StatusBadGateway)
		return
	}
	w.Write(out)
}
