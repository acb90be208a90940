package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	reader := bufio.NewReader(os.Stdin)
	line, _ := reader.ReadString('\n')
	target := strings.TrimSpace(line)
	resp, err := http.Get(target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch failed")
		os.Exit(1)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}
