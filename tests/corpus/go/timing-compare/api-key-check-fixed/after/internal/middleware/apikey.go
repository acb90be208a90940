package middleware

import (
	"crypto/subtle"
	"net/http"
	"os"
)

func RequireAPIKey(next http.Handler) http.Handler {
	expectedKey := []byte(os.Getenv("API_KEY"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiKey := []byte(r.Header.Get("X-API-Key"))
		if len(apiKey) == 0 || subtle.ConstantTimeCompare(apiKey, expectedKey) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
