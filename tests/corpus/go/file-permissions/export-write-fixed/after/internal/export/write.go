package export

import (
	"encoding/json"
	"os"
	"path/filepath"
)

func WriteReport(dir string, report any) error {
	data, err := json.Marshal(report)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.json"), data, 0o600)
}
