package partner

import (
	"crypto/tls"
	"net/http"
	"time"
)

// NewClient talks to the partner's gateway over TLS 1.2 or newer.
func NewClient() *http.Client {
	config := &tls.Config{
		MinVersion: tls.VersionTLS12,
	}
	transport := &http.Transport{TLSClientConfig: config}
	return &http.Client{Transport: transport, Timeout: 15 * time.Second}
}
