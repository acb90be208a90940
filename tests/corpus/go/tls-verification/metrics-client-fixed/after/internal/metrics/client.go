package metrics

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"
)

func NewClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}, nil
}
