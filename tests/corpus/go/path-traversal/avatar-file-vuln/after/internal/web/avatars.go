package web

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
)

const avatarDir = "/srv/app/avatars"

func AvatarHandler(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	full := filepath.Join(avatarDir, name)
	f, err := os.Open(full)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	io.Copy(w, f)
}
