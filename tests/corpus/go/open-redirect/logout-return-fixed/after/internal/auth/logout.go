package auth

import (
	"net/http"
	"strings"
)

func Logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "", MaxAge: -1, HttpOnly: true, Secure: true})
	returnTo := r.URL.Query().Get("return_to")
	if !strings.HasPrefix(returnTo, "/") || strings.HasPrefix(returnTo, "//") || strings.Contains(returnTo, "\\") {
		returnTo = "/"
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}
