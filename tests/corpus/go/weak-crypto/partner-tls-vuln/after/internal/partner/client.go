package partner

import (
	"crypto/tls"
	"net/http"
	"time"
)

// NewClient talks to the partner's legacy gateway.
func NewClient() *http.Client {
	config := &tls.Config{
		MinVersion: tls.VersionTLS10,
	}
	transport := &http.Transport{TLSClientConfig: config}
	return &http.Client{Transport: transport, Timeout: 15 * time.Second}
}
