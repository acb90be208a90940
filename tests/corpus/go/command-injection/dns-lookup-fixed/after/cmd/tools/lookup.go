package tools

import (
	"net/http"
	"os/exec"
	"regexp"
)

var hostname = regexp.MustCompile(`^[a-zA-Z0-9.-]{1,253}$`)

func LookupHandler(w http.ResponseWriter, r *http.Request) {
	host := r.FormValue("host")
	if !hostname.MatchString(host) {
		http.Error(w, "bad host", http.StatusBadRequest)
		return
	}
	out, err := exec.CommandContext(r.Context(), "nslookup", "--", host).CombinedOutput()
	if err != nil {
		http.Error(w, "lookup failed", http.StatusBadGateway)
		return
	}
	w.Write(out)
}
