package web

import (
	"html/template"
	"net/http"
)

var page = template.Must(template.New("greet").Parse(`<h1>Hello {{.Name}}</h1>`))

func Greet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	data := struct{ Name template.HTML }{Name: template.HTML(name)}
	page.Execute(w, data)
}
